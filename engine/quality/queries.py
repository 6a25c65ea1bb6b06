"""What the quality officer's pages and API read: conformance by procedure and agency, deviations,
the audit log with filters, and the records' lists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..storage.accounts import User
from ..storage.models import AgencyRow, AuditEvent, Dossier, ProcedureVersion
from .conformance import KINDS
from .models import AuditSample, ConformanceCheck, InternalAudit, Nonconformity


@dataclass(frozen=True)
class Period:
    date_from: date | None = None
    date_to: date | None = None

    def bounds(self, tz: Any) -> tuple[datetime | None, datetime | None]:
        start = datetime.combine(self.date_from, time.min, tz) if self.date_from else None
        end = datetime.combine(self.date_to, time.max, tz) if self.date_to else None
        return start, end


def _checks(period: Period, tz: Any, procedure: str | None = None, agency: str | None = None) -> Select[Any]:
    start, end = period.bounds(tz)
    query = select(ConformanceCheck).where(ConformanceCheck.closed.is_(True))
    if start is not None:
        query = query.where(ConformanceCheck.closed_at >= start)
    if end is not None:
        query = query.where(ConformanceCheck.closed_at <= end)
    if procedure:
        query = query.where(ConformanceCheck.procedure_code == procedure)
    if agency:
        query = query.where(ConformanceCheck.agency_id == agency)
    return query


def overview(session: Session, period: Period, tz: Any, by: str = "procedure") -> list[dict[str, Any]]:
    """Per procedure (or agency): dossiers checked, conforming, the rate, deviations by kind, the worst steps."""
    key = ConformanceCheck.procedure_code if by == "procedure" else ConformanceCheck.agency_id
    groups: dict[str, dict[str, Any]] = {}
    for check in session.execute(_checks(period, tz).order_by(key)).scalars():
        name = check.procedure_code if by == "procedure" else check.agency_id
        g = groups.setdefault(name, {"key": name, "checked": 0, "conforming": 0, "kinds": Counter(), "steps": Counter()})
        g["checked"] += 1
        g["conforming"] += bool(check.conforming)
        for d in check.deviations:
            g["kinds"][d["kind"]] += 1
            if d.get("step"):
                g["steps"][d["step"]] += 1
    names = _names(session, by, list(groups))
    out = []
    for g in groups.values():
        out.append({"key": g["key"], "name": names.get(g["key"], ""), "checked": g["checked"], "conforming": g["conforming"],
                    "rate": round(100 * g["conforming"] / g["checked"], 1) if g["checked"] else None,
                    "kinds": dict(g["kinds"].most_common()), "worst_steps": g["steps"].most_common(3)})
    return out


def _names(session: Session, by: str, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    if by == "procedure":
        rows = session.execute(select(ProcedureVersion.code, ProcedureVersion.name).where(ProcedureVersion.code.in_(keys))
                               .order_by(ProcedureVersion.version)).all()
    else:
        rows = session.execute(select(AgencyRow.id, AgencyRow.name).where(AgencyRow.id.in_(keys))).all()
    return {k: v for k, v in rows}


def checked_dossiers(session: Session, period: Period, tz: Any, *, procedure: str | None = None, agency: str | None = None,
                     kind: str | None = None, only_deviating: bool = False, limit: int = 500) -> list[ConformanceCheck]:
    """The drill-down: checked dossiers of a procedure or agency, those with deviations (of ``kind``) first."""
    query = _checks(period, tz, procedure, agency)
    if only_deviating or kind:
        query = query.where(ConformanceCheck.conforming.is_(False))
    rows = list(session.execute(query.order_by(ConformanceCheck.closed_at.desc()).limit(limit)).scalars())
    if kind:
        rows = [r for r in rows if any(d["kind"] == kind for d in r.deviations)]
    return sorted(rows, key=lambda r: (r.conforming, r.code))


def deviations(session: Session, period: Period, tz: Any, kind: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Every deviation of the period, newest dossiers first, each with its dossier."""
    out = []
    for check in checked_dossiers(session, period, tz, kind=kind, only_deviating=True, limit=limit):
        for index, d in enumerate(check.deviations):
            if kind is None or d["kind"] == kind:
                out.append(d | {"code": check.code, "dossier_id": check.dossier_id, "procedure_code": check.procedure_code,
                                "agency_id": check.agency_id, "index": index, "closed_at": check.closed_at})
    return out


def kind_counts(session: Session, period: Period, tz: Any) -> list[tuple[str, str, int]]:
    counts: Counter[str] = Counter()
    for check in session.execute(_checks(period, tz).where(ConformanceCheck.conforming.is_(False))).scalars():
        counts.update(d["kind"] for d in check.deviations)
    return [(kind, KINDS[kind][0], counts.get(kind, 0)) for kind in KINDS]


# ---------------------------------------------------------------------- the audit log

@dataclass(frozen=True)
class EventFilter:
    dossier: str | None = None  # a dossier code
    actor: str | None = None
    action: str | None = None  # an event kind, or a prefix ending with '.'
    period: Period = Period()


def _events(f: EventFilter, tz: Any) -> Select[Any]:
    query = (select(AuditEvent.id, AuditEvent.chain, AuditEvent.seq, AuditEvent.dossier_id, AuditEvent.at, AuditEvent.actor,
                    AuditEvent.role, AuditEvent.action, AuditEvent.before, AuditEvent.after, AuditEvent.hash,
                    User.name.label("actor_name"))
             .outerjoin(User, User.id == AuditEvent.actor))
    if f.dossier:
        query = query.where(AuditEvent.chain == f.dossier)
    if f.actor:
        query = query.where(AuditEvent.actor == f.actor)
    if f.action:
        query = query.where(AuditEvent.action.startswith(f.action) if f.action.endswith(".") else AuditEvent.action == f.action)
    start, end = f.period.bounds(tz)
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if end is not None:
        query = query.where(AuditEvent.at <= end)
    return query


def events(session: Session, f: EventFilter, tz: Any, *, before_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """A page of the log, newest first (keyset: events with an id below ``before_id``)."""
    query = _events(f, tz)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return [dict(r._mapping) for r in session.execute(query.order_by(AuditEvent.id.desc()).limit(limit))]


def all_events(session: Session, f: EventFilter, tz: Any, batch: int = 2000, by_chain: bool = False) -> Iterator[dict[str, Any]]:
    """Every event the filter keeps, oldest first (exports); ``by_chain``: chain by chain (one trace after another)."""
    order = (AuditEvent.chain, AuditEvent.seq) if by_chain else (AuditEvent.id,)
    query = _events(f, tz).order_by(*order).execution_options(yield_per=batch)
    for row in session.execute(query):
        yield dict(row._mapping)


def actions(session: Session) -> list[str]:
    return list(session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars())


# ---------------------------------------------------------------------- records

def nonconformities(session: Session, state: str | None = None, owner: str | None = None) -> list[Nonconformity]:
    query = select(Nonconformity)
    if state:
        query = query.where(Nonconformity.state == state)
    if owner:
        query = query.where(Nonconformity.owner == owner)
    return list(session.execute(query.order_by(Nonconformity.id.desc())).scalars())


def record_history(session: Session, kind: str, record_id: int, field: str = "record") -> list[dict[str, Any]]:
    """The audit events of one quality record (``kind.`` prefix), oldest first."""
    rows = session.execute(select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.after)
                           .where(AuditEvent.chain == "system", AuditEvent.action.startswith(kind + "."))
                           .order_by(AuditEvent.id)).all()
    return [dict(r._mapping) for r in rows if (r.after or {}).get(field) == record_id]


def audits(session: Session) -> list[InternalAudit]:
    return list(session.execute(select(InternalAudit).order_by(InternalAudit.id.desc())).scalars())


def samples(session: Session, audit_id: int) -> list[AuditSample]:
    return list(session.execute(select(AuditSample).where(AuditSample.audit_id == audit_id)
                                .order_by(AuditSample.procedure_code, AuditSample.code)).scalars())


def dossier_by_ref(session: Session, ref: str) -> Dossier | None:
    query = select(Dossier).where(Dossier.id == int(ref)) if ref.isdigit() and len(ref) < 10 else select(Dossier).where(Dossier.code == ref)
    return session.execute(query).scalar_one_or_none()


def count_events(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


__all__ = ["EventFilter", "Period", "actions", "all_events", "audits", "checked_dossiers", "count_events", "deviations",
           "dossier_by_ref", "events", "kind_counts", "nonconformities", "overview", "record_history", "samples"]
