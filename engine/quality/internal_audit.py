"""Internal audit (ISO 9001 9.2): a plan per period, a reproducible random sample of closed
dossiers per procedure, a checklist per sampled dossier pre-filled by the conformance check,
and findings that become nonconformities.

The sample is drawn with ``random.Random(f"{seed}:{procedure}")`` over the period's closed
dossiers of each procedure in code order, so the same seed on the same record draws the same
dossiers; the seed is stored on the audit and in its audit event, for anyone to redraw.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..audit import record
from ..errors import InvalidCommand, NotFound
from ..policy import Actor
from ..storage.models import Dossier
from ..vocabulary import CLOSED_STATUSES
from . import checks
from .conformance import KINDS
from .models import AuditSample, InternalAudit
from .nonconformity import open_record

STATES = {"planned": "Đã lập kế hoạch", "sampled": "Đã chọn mẫu", "done": "Đã hoàn thành"}


def plan(session: Session, actor: Actor, now: datetime, *, title: str, period_from: date, period_to: date,
         procedures: Sequence[str] = (), per_procedure: int = 5, auditor: str | None = None,
         planned_on: date | None = None) -> InternalAudit:
    policy.require_quality(actor, "lập kế hoạch đánh giá nội bộ")
    if not (title or "").strip():
        raise InvalidCommand("Thiếu tên cuộc đánh giá (title).")
    if period_to < period_from:
        raise InvalidCommand(f"Kỳ đánh giá không hợp lệ: {period_from:%d/%m/%Y} sau {period_to:%d/%m/%Y}.")
    if not 1 <= per_procedure <= 100:
        raise InvalidCommand("Số hồ sơ mẫu mỗi thủ tục phải từ 1 đến 100.")
    audit = InternalAudit(title=title.strip(), period_from=period_from, period_to=period_to, procedures=list(procedures),
                          per_procedure=per_procedure, auditor=auditor or actor.id, planned_on=planned_on or now.date(),
                          seed=None, state="planned", created_at=now)
    session.add(audit)
    session.flush()
    record(session, None, actor, "internal_audit.planned", {}, {
        "audit": audit.id, "title": audit.title, "period_from": str(period_from), "period_to": str(period_to),
        "procedures": list(procedures), "per_procedure": per_procedure, "auditor": audit.auditor}, now)
    return audit


def population(session: Session, audit: InternalAudit, tz: Any) -> dict[str, list[tuple[str, int]]]:
    """The closed dossiers registered in the audit's period, by procedure: (code, id), in code order."""
    start = datetime.combine(audit.period_from, time.min, tz)
    end = datetime.combine(audit.period_to, time.max, tz)
    query = (select(Dossier.procedure_code, Dossier.code, Dossier.id)
             .where(Dossier.status.in_(CLOSED_STATUSES), Dossier.registered_at >= start, Dossier.registered_at <= end))
    if audit.procedures:
        query = query.where(Dossier.procedure_code.in_(audit.procedures))
    out: dict[str, list[tuple[str, int]]] = {}
    for procedure, code, dossier_id in session.execute(query):
        out.setdefault(procedure, []).append((code, dossier_id))
    return {p: sorted(rows) for p, rows in sorted(out.items())}


def draw(rows: dict[str, list[tuple[str, int]]], seed: int, per_procedure: int) -> list[tuple[str, str, int]]:
    """The sample: (procedure, code, id) — the same for the same seed and population."""
    out = []
    for procedure, dossiers in rows.items():
        rng = random.Random(f"{seed}:{procedure}")
        for code, dossier_id in sorted(rng.sample(dossiers, min(per_procedure, len(dossiers)))):
            out.append((procedure, code, dossier_id))
    return out


def sample(services: Any, session: Session, actor: Actor, now: datetime, audit_id: int, seed: int | None = None) -> InternalAudit:
    """Draw the audit's sample (once) and pre-fill each checklist from a fresh conformance check."""
    policy.require_quality(actor, "chọn mẫu đánh giá nội bộ")
    audit = session.get(InternalAudit, audit_id)
    if audit is None:
        raise NotFound(f"Không có cuộc đánh giá nội bộ số {audit_id}.")
    if audit.seed is not None:
        raise InvalidCommand(f"Cuộc đánh giá số {audit.id} đã chọn mẫu (hạt giống {audit.seed}); không chọn lại.")
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    chosen = draw(population(session, audit, services.calendar.tz), seed, audit.per_procedure)
    if not chosen:
        raise InvalidCommand(f"Không có hồ sơ đã kết thúc trong kỳ {audit.period_from:%d/%m/%Y}–{audit.period_to:%d/%m/%Y}.")
    for procedure, code, dossier_id in chosen:
        dossier = session.get(Dossier, dossier_id)
        assert dossier is not None
        report = checks.run(services, session, dossier, "audit", now)
        session.add(AuditSample(audit_id=audit.id, dossier_id=dossier_id, code=code, procedure_code=procedure,
                                checklist=checklist(report.deviations)))
    audit.seed, audit.state = seed, "sampled"
    record(session, None, actor, "internal_audit.sampled", {}, {"audit": audit.id, "seed": seed,
                                                               "dossiers": [c for _, c, _ in chosen]}, now)
    return audit


def checklist(deviations: Sequence[Any]) -> list[dict[str, Any]]:
    """One line per criterion of the conformance check: ``deviation`` with its evidence, or ``ok``."""
    found: dict[str, list[Any]] = {}
    for d in deviations:
        found.setdefault(d.kind, []).append(d)
    return [{"criterion": kind, "label": label, "result": "deviation" if kind in found else "ok",
             "evidence": [e for d in found.get(kind, []) for e in d.evidence],
             "detail": "; ".join(d.detail for d in found.get(kind, []) if d.detail)}
            for kind, (label, _severity) in KINDS.items()]


def finding(session: Session, actor: Actor, now: datetime, sample_id: int, text: str, nonconforming: bool) -> AuditSample:
    """The auditor's finding on a sampled dossier; a nonconforming one opens a nonconformity."""
    policy.require_quality(actor, "ghi kết quả đánh giá")
    row = session.get(AuditSample, sample_id)
    if row is None:
        raise NotFound(f"Không có hồ sơ mẫu số {sample_id}.")
    text = (text or "").strip()
    if not text:
        raise InvalidCommand("Thiếu nội dung kết quả đánh giá.")
    row.finding = text
    if nonconforming and row.nonconformity_id is None:
        evidence = [e for line in row.checklist for e in line.get("evidence", [])]
        nc = open_record(session, actor, now, title=f"Đánh giá nội bộ: {text[:120]}", source="internal_audit",
                         description=text, dossiers=[row.code], evidence=evidence, audit_id=row.audit_id)
        row.nonconformity_id = nc.id
    session.flush()
    audit = session.get(InternalAudit, row.audit_id)
    if audit is not None and all(s.finding for s in session.execute(
            select(AuditSample).where(AuditSample.audit_id == audit.id)).scalars()):
        audit.state = "done"
    record(session, None, actor, "internal_audit.finding", {}, {"audit": row.audit_id, "sample": row.id, "code": row.code,
                                                               "finding": text, "nonconformity": row.nonconformity_id}, now)
    return row


__all__ = ["STATES", "checklist", "draw", "finding", "plan", "population", "sample"]
