"""The leader's dashboard: open work by division and person, near-due and overdue, on-time rate this period
against the last, the slowest steps, the overdue dossiers with links. One agency (or all, for analysts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, select

from ..storage.models import Dossier, Task, table
from ..vocabulary import ACTIVE_TASK_STATES, TaskState, Timeliness
from .periods import Period
from .summary import day_number
from .tables import DAYS, STEP_STATS

NEAR = timedelta(days=1)  # "near due": due within the next 24 hours
SLOW_WINDOW = timedelta(days=90)  # the slowest steps over the last 90 days
STATS_FRESH = timedelta(hours=26)  # stored slowest-steps figures younger than this are shown (a nightly job)
ALL = "*"  # report_step_stats.agency_id of the figures of all agencies together


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

    Read from ``report_step_stats`` when the nightly job (``refresh_step_stats``, scheduler job 'step_stats')
    computed them less than :data:`STATS_FRESH` ago (each row then carries ``as_of``, its computing time);
    otherwise computed now. At a million dossiers the exact percentiles of a busy agency's 90 days are
    a few hundred thousand steps to sort (about a second), too slow for a page (bench/README.md).
    """
    s = STEP_STATS.c
    stored = [dict(r._mapping) for r in conn.execute(
        select(s.step_id, s.name, s.done, s.late, s.median, s.p90, s.computed_at.label("as_of"))
        .where(s.agency_id == (agency or ALL), s.computed_at > now - STATS_FRESH, s.computed_at <= now))]
    rows = stored or _steps(conn, agency, now)
    rows.sort(key=lambda r: (-(r["late"] / r["done"]), -float(r["p90"] or 0), r["step_id"]))
    return rows[:limit]


def refresh_step_stats(conn: Connection, now: datetime) -> int:
    """Compute the slowest-steps figures of every agency (and of all together) as of ``now``; returns the rows."""
    rows = _steps(conn, None, now, by_agency=True) + [r | {"agency_id": ALL} for r in _steps(conn, None, now)]
    conn.execute(delete(STEP_STATS))
    if rows:
        conn.execute(insert(STEP_STATS), [r | {"computed_at": now, "median": float(r["median"] or 0),
                                                "p90": float(r["p90"] or 0)} for r in rows])
    return len(rows)


def _steps(conn: Connection, agency: str | None, now: datetime, by_agency: bool = False) -> list[dict[str, Any]]:
    """The figures computed from the tasks. PostgreSQL computes the percentiles (``percentile_cont``); SQLite
    has none, so there the durations of the window are fetched and ranked in Python."""
    t = table(Task).c
    where = [t.state == TaskState.COMPLETED, t.completed_at >= now - SLOW_WINDOW, t.completed_at <= now,
             t.due_at.is_not(None)]
    where += [t.agency_id == agency] if agency else []
    keys = [t.agency_id, t.step_id, t.name] if by_agency else [t.step_id, t.name]
    if conn.dialect.name == "postgresql":
        hours = func.extract("epoch", t.completed_at - t.ready_at) / 3600.0
        query = (
            select(*keys, func.count().label("done"), _n(t.timeliness == Timeliness.LATE).label("late"),
                   func.percentile_cont(0.5).within_group(hours).label("median"),
                   func.percentile_cont(0.9).within_group(hours).label("p90"))
            .where(*where).group_by(*keys)
        )
        return [dict(r._mapping) for r in conn.execute(query)]
    groups: dict[tuple[str, ...], list[Any]] = {}
    for *key, ready, done, late in conn.execute(
        select(*keys, t.ready_at, t.completed_at, t.timeliness == Timeliness.LATE).where(*where)
    ):
        groups.setdefault(tuple(key), []).append(((done - ready).total_seconds() / 3600, bool(late)))
    rows = []
    for group, items in groups.items():
        spans = sorted(h for h, _ in items)
        rows.append(dict(zip([k.name for k in keys], group, strict=True)) | {
            "done": len(items), "late": sum(1 for _, x in items if x), "median": _pct(spans, 0.5), "p90": _pct(spans, 0.9)})
    return rows


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


__all__ = ["Rate", "on_time", "open_work", "overdue_dossiers", "refresh_step_stats", "slowest_steps"]
