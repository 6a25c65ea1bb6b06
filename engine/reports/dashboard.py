"""The leader's dashboard: open work by division and person, near-due and overdue, on-time rate this period
against the last, the slowest steps, the overdue dossiers with links. One agency (or all, for analysts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from ..storage.models import Dossier, Task, table
from ..vocabulary import ACTIVE_TASK_STATES, TaskState, Timeliness
from .periods import Period
from .summary import day_number
from .tables import DAYS

NEAR = timedelta(days=1)  # "near due": due within the next 24 hours
SLOW_WINDOW = timedelta(days=90)  # the slowest steps over the last 90 days


@dataclass(frozen=True)
class Rate:
    label: str
    resolved: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.resolved if self.resolved else None


def _n(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def open_work(conn: Connection, agency: str | None, now: datetime) -> list[dict[str, Any]]:
    """Open steps by division and person (claimed by, or nobody yet), with near-due and overdue counts."""
    t = table(Task).c
    where = [t.state.in_(ACTIVE_TASK_STATES)] + ([t.agency_id == agency] if agency else [])
    query = (
        select(t.agency_id, t.division, t.claimed_by, func.count().label("open"),
               _n(and_(t.state == TaskState.OPEN, t.due_at < now)).label("overdue"),
               _n(and_(t.state == TaskState.OPEN, t.due_at >= now, t.due_at < now + NEAR)).label("near"),
               _n(t.state == TaskState.WAITING).label("waiting"))
        .where(*where).group_by(t.agency_id, t.division, t.claimed_by)
        .order_by(t.agency_id, t.division, t.claimed_by)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def on_time(conn: Connection, agency: str | None, period: Period, tz: tzinfo) -> Rate:
    """Resolved in the period and of them early or on time, from the day sums (engine/reports/summary.py)."""
    d = DAYS.c
    where = [d.day >= day_number(period.start), d.day <= day_number(period.end)] + ([d.agency_id == agency] if agency else [])
    row = conn.execute(select(func.coalesce(func.sum(d.resolved_total), 0),
                              func.coalesce(func.sum(d.early + d.on_time), 0)).where(*where)).one()
    return Rate(period.label, int(row[0]), int(row[1]))


def slowest_steps(conn: Connection, agency: str | None, now: datetime, limit: int = 10) -> list[dict[str, Any]]:
    """Steps completed in the last 90 days: count, late share, median and p90 of the hours they took (wall clock).

    PostgreSQL computes the percentiles (``percentile_cont``); SQLite has none, so there the durations of
    the window are fetched and ranked in Python (a small installation's few thousand rows).
    """
    t = table(Task).c
    where = [t.state == TaskState.COMPLETED, t.completed_at >= now - SLOW_WINDOW, t.due_at.is_not(None)]
    where += [t.agency_id == agency] if agency else []
    if conn.dialect.name == "postgresql":
        hours = func.extract("epoch", t.completed_at - t.ready_at) / 3600.0
        query = (
            select(t.step_id, t.name, func.count().label("done"), _n(t.timeliness == Timeliness.LATE).label("late"),
                   func.percentile_cont(0.5).within_group(hours).label("median"),
                   func.percentile_cont(0.9).within_group(hours).label("p90"))
            .where(*where).group_by(t.step_id, t.name)
        )
        rows = [dict(r._mapping) for r in conn.execute(query)]
    else:
        groups: dict[tuple[str, str], list[Any]] = {}
        for step_id, name, ready, done, late in conn.execute(
            select(t.step_id, t.name, t.ready_at, t.completed_at, t.timeliness == Timeliness.LATE).where(*where)
        ):
            groups.setdefault((step_id, name), []).append(((done - ready).total_seconds() / 3600, bool(late)))
        rows = []
        for (step_id, name), items in groups.items():
            spans = sorted(h for h, _ in items)
            rows.append({"step_id": step_id, "name": name, "done": len(items), "late": sum(1 for _, x in items if x),
                         "median": _pct(spans, 0.5), "p90": _pct(spans, 0.9)})
    rows.sort(key=lambda r: (-(r["late"] / r["done"]), -float(r["p90"] or 0)))
    return rows[:limit]


def _pct(values: list[float], q: float) -> float:
    """``percentile_cont``: linear interpolation between the closest ranks."""
    if not values:
        return 0.0
    pos = (len(values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


def overdue_dossiers(conn: Connection, agency: str | None, now: datetime, limit: int = 20) -> list[dict[str, Any]]:
    """Open steps past their due time, oldest due first, with their dossier's code."""
    t, d = table(Task).c, table(Dossier).c
    where = [t.state == TaskState.OPEN, t.due_at < now] + ([t.agency_id == agency] if agency else [])
    query = (select(d.code, t.name, t.claimed_by, t.division, t.due_at, d.due_at.label("dossier_due"))
             .join(table(Dossier), d.id == t.dossier_id).where(*where).order_by(t.due_at).limit(limit))
    return [dict(r._mapping) for r in conn.execute(query)]


__all__ = ["Rate", "on_time", "open_work", "overdue_dossiers", "slowest_steps"]
