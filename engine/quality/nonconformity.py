"""Nonconformities and corrective actions (ISO 9001 8.7, 10.2): each record has its own small
lifecycle, a `transitions` machine declared once as data, and each move is an audit event.

    open ──analyse──▶ analysed ──plan──▶ action_planned ──implement──▶ implemented
      │                  │                     ▲                           │
      └──reject──────────┴──▶ rejected         └──verify_ineffective───────┤
                                                           closed ◀──verify_effective

``analyse`` records the cause and the immediate correction; ``plan`` the corrective action, its
owner and due date (an overdue one shows on the owner's inbox); ``implement`` is reported by the
owner; the quality officer verifies effectiveness and closes, or plans again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from transitions import Machine

from .. import policy
from ..audit import record
from ..errors import Forbidden, IllegalTransition, InvalidCommand, NotFound
from ..events import NONCONFORMITY_MOVES
from ..policy import Actor
from .conformance import KINDS, MAJOR, MINOR
from .models import ConformanceCheck, Nonconformity

STATES = {
    "open": "Mới ghi nhận",
    "analysed": "Đã phân tích nguyên nhân",
    "action_planned": "Đang thực hiện khắc phục",
    "implemented": "Chờ xác nhận hiệu quả",
    "closed": "Đã đóng",
    "rejected": "Không phải điểm không phù hợp",
}
SOURCES = {
    "deviation": "Kiểm tra sự phù hợp của hồ sơ",
    "complaint": "Phản ánh, kiến nghị",
    "inspection": "Thanh tra, kiểm tra",
    "internal_audit": "Đánh giá nội bộ",
    "other": "Khác",
}
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "analyse", "source": "open", "dest": "analysed"},
    {"trigger": "plan", "source": "analysed", "dest": "action_planned"},
    {"trigger": "implement", "source": "action_planned", "dest": "implemented"},
    {"trigger": "verify_effective", "source": "implemented", "dest": "closed"},
    {"trigger": "verify_ineffective", "source": "implemented", "dest": "action_planned"},
    {"trigger": "reject", "source": ["open", "analysed"], "dest": "rejected"},
]
MACHINE = Machine(model=None, states=list(STATES), transitions=TRANSITIONS, initial=None, auto_transitions=False)
OPEN_STATES = ("open", "analysed", "action_planned", "implemented")


def destination(state: str, move: str) -> str | None:
    event = MACHINE.events.get(move)
    transitions = event.transitions.get(state) if event is not None else None
    return transitions[0].dest if transitions else None


def allowed_moves(state: str) -> list[str]:
    return [name for name in MACHINE.events if destination(state, name)]


@dataclass(frozen=True)
class Move:
    """What a move records; each move requires its own fields (``REQUIRED``)."""

    cause: str = ""
    correction: str = ""
    corrective_action: str = ""
    owner: str = ""
    due_date: date | None = None
    verification: str = ""
    reason: str = ""


REQUIRED = {
    "analyse": (("cause", "nguyên nhân"), ("correction", "khắc phục tức thời")),
    "plan": (("corrective_action", "hành động khắc phục"), ("owner", "người chịu trách nhiệm"), ("due_date", "hạn hoàn thành")),
    "implement": (),
    "verify_effective": (("verification", "kết quả xác nhận hiệu quả"),),
    "verify_ineffective": (("verification", "kết quả xác nhận hiệu quả"), ("due_date", "hạn mới")),
    "reject": (("reason", "lý do"),),
}


def _event(nc: Nonconformity, **extra: Any) -> dict[str, Any]:
    return {"record": nc.id, "state": nc.state, "title": nc.title, "source": nc.source, "dossiers": list(nc.dossiers),
            "step": nc.step, "deviation_kind": nc.deviation_kind, "severity": nc.severity} | extra


def open_record(session: Session, actor: Actor, now: datetime, *, title: str, source: str, description: str = "",
                dossiers: Sequence[str] = (), step: str | None = None, deviation_kind: str | None = None,
                evidence: Sequence[int] = (), severity: str = MAJOR, audit_id: int | None = None,
                agency_id: str | None = None) -> Nonconformity:
    """A new nonconformity, recorded by hand or from a deviation or an audit finding."""
    policy.require_quality(actor, "ghi nhận điểm không phù hợp")
    title = (title or "").strip()
    if not title:
        raise InvalidCommand("Thiếu nội dung điểm không phù hợp (title).")
    if source not in SOURCES:
        raise InvalidCommand(f"Nguồn không hợp lệ '{source}' (có: {', '.join(SOURCES)}).")
    if severity not in (MAJOR, MINOR):
        raise InvalidCommand(f"Mức độ không hợp lệ '{severity}' ({MAJOR}, {MINOR}).")
    nc = Nonconformity(source=source, title=title, description=description.strip(), dossiers=list(dossiers), step=step,
                       deviation_kind=deviation_kind, evidence=list(evidence), severity=severity, state="open",
                       audit_id=audit_id, agency_id=agency_id or actor.agency, created_by=actor.id, created_at=now)
    session.add(nc)
    session.flush()
    record(session, None, actor, "nonconformity.open", {}, _event(nc), now)
    return nc


def from_deviation(session: Session, actor: Actor, now: datetime, dossier_id: int, index: int) -> Nonconformity:
    """A nonconformity from the ``index``-th deviation of a dossier's latest conformance check."""
    check = session.get(ConformanceCheck, dossier_id)
    if check is None or not 0 <= index < len(check.deviations):
        raise NotFound(f"Không có sai lệch số {index + 1} trong kết quả kiểm tra của hồ sơ #{dossier_id}.")
    dev = check.deviations[index]
    existing = session.execute(select(Nonconformity.id).where(
        Nonconformity.deviation_kind == dev["kind"], Nonconformity.step == dev.get("step"),
        Nonconformity.source == "deviation")).scalars().all()
    for nc_id in existing:
        nc = session.get(Nonconformity, nc_id)
        if nc is not None and check.code in nc.dossiers and nc.evidence == dev["evidence"]:
            raise InvalidCommand(f"Sai lệch này đã được ghi nhận là điểm không phù hợp số {nc.id}.", record=nc.id)
    label = KINDS.get(dev["kind"], (dev["kind"], MAJOR))[0]
    return open_record(session, actor, now, title=f"{label} — hồ sơ {check.code}", source="deviation",
                       description=dev.get("detail", ""), dossiers=[check.code], step=dev.get("step"),
                       deviation_kind=dev["kind"], evidence=dev["evidence"], severity=dev["severity"],
                       agency_id=check.agency_id)


def move(session: Session, actor: Actor, now: datetime, record_id: int, name: str, data: Move) -> Nonconformity:
    """Take a move of the record's machine, with what it requires; one audit event."""
    nc = session.get(Nonconformity, record_id)
    if nc is None:
        raise NotFound(f"Không có điểm không phù hợp số {record_id}.")
    if name == "implement":
        if not policy.may_implement(actor, nc.owner):
            raise Forbidden(f"Chỉ người chịu trách nhiệm ({nc.owner}) hoặc cán bộ ISO báo cáo đã thực hiện khắc phục.")
    else:
        policy.require_quality(actor, NONCONFORMITY_MOVES.get(name, name).lower())
    dest = destination(nc.state, name) if name in REQUIRED else None
    if dest is None:
        raise IllegalTransition(
            f"Điểm không phù hợp số {nc.id} đang '{STATES.get(nc.state, nc.state)}': không thể "
            f"'{NONCONFORMITY_MOVES.get(name, name)}' (được: {', '.join(allowed_moves(nc.state)) or 'không còn bước nào'}).",
            record=nc.id, state=nc.state, move=name)
    missing = [label for field, label in REQUIRED[name] if not getattr(data, field)]
    if missing:
        raise InvalidCommand(f"Thiếu: {', '.join(missing)}.", missing=missing)
    if data.due_date is not None and data.due_date < now.date() and name in ("plan", "verify_ineffective"):
        raise InvalidCommand(f"Hạn hoàn thành {data.due_date:%d/%m/%Y} đã qua.")
    before = {"state": nc.state}
    extra: dict[str, Any] = {}
    if name == "analyse":
        nc.cause, nc.correction = data.cause.strip(), data.correction.strip()
        extra = {"cause": nc.cause, "correction": nc.correction}
    elif name == "plan":
        nc.corrective_action, nc.owner, nc.due_date = data.corrective_action.strip(), data.owner.strip(), data.due_date
        extra = {"corrective_action": nc.corrective_action, "owner": nc.owner, "due_date": str(nc.due_date)}
    elif name == "implement":
        extra = {"reason": data.reason}
    elif name in ("verify_effective", "verify_ineffective"):
        nc.verification, nc.effective = data.verification.strip(), name == "verify_effective"
        extra = {"verification": nc.verification, "effective": nc.effective}
        if data.due_date is not None:
            nc.due_date = data.due_date
            extra["due_date"] = str(data.due_date)
    elif name == "reject":
        extra = {"reason": data.reason.strip()}
    nc.state = dest
    if dest in ("closed", "rejected"):
        nc.closed_at = now
    record(session, None, actor, f"nonconformity.{name}", before, _event(nc, **extra), now)
    return nc


def overdue(session: Session, owner: str | None, today: date) -> list[Nonconformity]:
    """Corrective actions past their due date and not reported done (of ``owner``, or everyone's)."""
    query = select(Nonconformity).where(Nonconformity.state == "action_planned", Nonconformity.due_date < today)
    if owner is not None:
        query = query.where(Nonconformity.owner == owner)
    return list(session.execute(query.order_by(Nonconformity.due_date)).scalars())


__all__ = ["MACHINE", "Move", "OPEN_STATES", "SOURCES", "STATES", "allowed_moves", "destination", "from_deviation",
           "move", "open_record", "overdue"]
