"""Quality objectives measured (ISO 9001 6.2, 9.1): on-time rate, conformance rate, and processing
time against the statutory time (average and 90th percentile), per procedure and per division,
per month, with the targets the agency stores and the gaps.

Per procedure: the dossiers resolved in the month (returned or awaiting return), their
timeliness as the engine classified it, their latest conformance check, and the working time
from receipt to resolution divided by the working time the law allowed (1.0 = the whole
allowance). Per division: the steps its staff completed in the month, on time or late, and the
time each took against the step's allowance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..audit import record
from ..errors import InvalidCommand
from ..policy import Actor
from ..storage.models import Dossier, Task
from ..vocabulary import Status, TaskState
from .models import ConformanceCheck, QualityTarget

# metric -> (label, unit, higher is better)
METRICS: dict[str, tuple[str, str, bool]] = {
    "on_time_rate": ("Tỷ lệ giải quyết đúng hạn", "%", True),
    "conformance_rate": ("Tỷ lệ hồ sơ phù hợp quy trình", "%", True),
    "avg_ratio": ("Thời gian xử lý trung bình so với thời hạn quy định", "lần", False),
    "p90_ratio": ("Thời gian xử lý (phân vị 90) so với thời hạn quy định", "lần", False),
}


@dataclass
class Measure:
    scope: str  # procedure | division
    key: str  # procedure code, or "agency/division"
    month: str  # YYYY-MM
    count: int = 0
    values: dict[str, float | None] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)

    def gap(self, metric: str) -> float | None:
        """Value minus target, signed so that a negative gap is a missed objective."""
        value, target = self.values.get(metric), self.targets.get(metric)
        if value is None or target is None:
            return None
        return round(value - target if METRICS[metric][2] else target - value, 4)

    def missed(self, metric: str) -> bool:
        gap = self.gap(metric)
        return gap is not None and gap < 0

    def as_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "key": self.key, "month": self.month, "count": self.count,
                "metrics": {m: {"value": self.values.get(m), "target": self.targets.get(m), "gap": self.gap(m),
                                "missed": self.missed(m)} for m in METRICS if m in self.values}}


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile by the nearest-rank method (no interpolation)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _bounds(date_from: date, date_to: date, tz: Any) -> tuple[datetime, datetime]:
    return datetime.combine(date_from, time.min, tz), datetime.combine(date_to, time.max, tz)


def measure(session: Session, services: Any, date_from: date, date_to: date,
            procedure_code: str | None = None) -> list[Measure]:
    """Every measure of the period, per procedure then per division, month by month."""
    cal, tz = services.calendar, services.calendar.tz
    start, end = _bounds(date_from, date_to, tz)
    query = (select(Dossier.id, Dossier.procedure_code, Dossier.received_at, Dossier.resolved_at, Dossier.statutory_due_at,
                    Dossier.timeliness, ConformanceCheck.conforming)
             .outerjoin(ConformanceCheck, ConformanceCheck.dossier_id == Dossier.id)
             .where(Dossier.resolved_at >= start, Dossier.resolved_at <= end,
                    Dossier.status.in_((Status.RESOLVED, Status.RETURNED))))
    if procedure_code:
        query = query.where(Dossier.procedure_code == procedure_code)
    groups: dict[tuple[str, str], list[Any]] = {}
    for row in session.execute(query):
        groups.setdefault((row.procedure_code, row.resolved_at.astimezone(tz).strftime("%Y-%m")), []).append(row)
    out = []
    for (code, month), rows in sorted(groups.items()):
        m = Measure("procedure", code, month, len(rows))
        classified = [r for r in rows if r.timeliness]
        m.values["on_time_rate"] = _rate(r.timeliness in ("early", "on_time") for r in classified)
        m.values["conformance_rate"] = _rate(bool(r.conforming) for r in rows if r.conforming is not None)
        ratios = [x for r in rows if (x := _ratio(cal, r.received_at, r.resolved_at, r.statutory_due_at)) is not None]
        m.values["avg_ratio"] = round(sum(ratios) / len(ratios), 4) if ratios else None
        m.values["p90_ratio"] = round(p, 4) if (p := percentile(ratios, 0.9)) is not None else None
        out.append(m)
    out.extend(_divisions(session, services, start, end, procedure_code))
    _targets(session, out)
    return out


def _divisions(session: Session, services: Any, start: datetime, end: datetime, procedure_code: str | None) -> list[Measure]:
    cal, tz = services.calendar, services.calendar.tz
    query = (select(Task.agency_id, Task.division, Task.ready_at, Task.completed_at, Task.due_at, Task.timeliness)
             .join(Dossier, Dossier.id == Task.dossier_id)
             .where(Task.state == TaskState.COMPLETED, Task.division.is_not(None),
                    Task.completed_at >= start, Task.completed_at <= end))
    if procedure_code:
        query = query.where(Dossier.procedure_code == procedure_code)
    groups: dict[tuple[str, str], list[Any]] = {}
    for row in session.execute(query):
        key = f"{row.agency_id}/{row.division}"
        groups.setdefault((key, row.completed_at.astimezone(tz).strftime("%Y-%m")), []).append(row)
    out = []
    for (key, month), rows in sorted(groups.items()):
        m = Measure("division", key, month, len(rows))
        m.values["on_time_rate"] = _rate(r.timeliness in ("early", "on_time") for r in rows if r.timeliness)
        ratios = [x for r in rows if (x := _ratio(cal, r.ready_at, r.completed_at, r.due_at)) is not None]
        m.values["avg_ratio"] = round(sum(ratios) / len(ratios), 4) if ratios else None
        m.values["p90_ratio"] = round(p, 4) if (p := percentile(ratios, 0.9)) is not None else None
        out.append(m)
    return out


def _rate(flags: Iterable[bool]) -> float | None:
    items = list(flags)
    return round(100 * sum(items) / len(items), 2) if items else None


def _ratio(cal: Any, start: datetime | None, done: datetime | None, due: datetime | None) -> float | None:
    if start is None or done is None or due is None:
        return None
    allowed = cal.working_seconds_between(start, due)
    if allowed <= 0:
        return None
    return cal.working_seconds_between(start, done) / allowed


def _targets(session: Session, measures: list[Measure]) -> None:
    targets = {(t.metric, t.procedure_code, t.division): t.target for t in session.execute(select(QualityTarget)).scalars()}
    for m in measures:
        procedure = m.key if m.scope == "procedure" else ""
        division = m.key.split("/", 1)[1] if m.scope == "division" else ""
        for metric in m.values:
            for key in ((metric, procedure, division), (metric, procedure, ""), (metric, "", division), (metric, "", "")):
                if key in targets:
                    m.targets[metric] = targets[key]
                    break


def set_target(session: Session, actor: Actor, now: datetime, metric: str, target: float,
               procedure_code: str = "", division: str = "") -> QualityTarget:
    """Store (or change) an objective; an audit event records it."""
    policy.require_quality(actor, "đặt mục tiêu chất lượng")
    if metric not in METRICS:
        raise InvalidCommand(f"Chỉ tiêu không hợp lệ '{metric}' (có: {', '.join(METRICS)}).")
    if METRICS[metric][1] == "%" and not 0 <= target <= 100:
        raise InvalidCommand("Mục tiêu tỷ lệ phải từ 0 đến 100 (%).")
    if target < 0:
        raise InvalidCommand("Mục tiêu không được âm.")
    row = session.execute(select(QualityTarget).where(QualityTarget.metric == metric, QualityTarget.procedure_code == procedure_code,
                                                      QualityTarget.division == division)).scalar_one_or_none()
    if row is None:
        row = QualityTarget(metric=metric, procedure_code=procedure_code, division=division)
        session.add(row)
    row.target, row.set_by, row.set_at = float(target), actor.id, now
    record(session, None, actor, "quality.target_set", {}, {"metric": metric, "procedure_code": procedure_code,
                                                           "division": division, "target": float(target)}, now)
    return row


__all__ = ["METRICS", "Measure", "measure", "percentile", "set_target"]
