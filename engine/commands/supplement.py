"""Supplements: ask the applicant for everything missing in one notice (Mẫu 02), receive what arrives.

The rules (LEGAL.md §4):

- once: everything missing goes in ONE notice; a second request for the same dossier is
  refused unless the user records it as an exception with a reason, kept as a
  nonconformity event (``nonconformity.second_supplement``);
- a request made after the statutory due time does not launder the lateness: the
  working time already late is kept on the dossier (``late_incurred``) and it is
  classified late whatever happens next;
- the applicant has the procedure's ``supplement_wait`` (default 15 working days from
  the notice) to bring it; then the scheduler closes the dossier (``CloseUnsupplemented``);
- when a received dossier's clock restarts (or resumes), the applicant gets a new
  receipt and appointment (Mẫu 01) with the new return time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import lifecycle
from ..errors import InvalidCommand
from ..events import SUPPLEMENT_EXCEPTION, SUPPLEMENT_RECEIVED
from ..services import LoadedVersion
from ..storage.models import Dossier
from ..vocabulary import Status, TaskState
from .base import Command, handles
from .kernel import Kernel, documents, nonempty


@dataclass(frozen=True)
class RequestSupplement(Command):
    """Ask for everything missing in one notice (Mẫu 02); the clock stops."""

    action = "request_supplement"
    code: str
    items: Sequence[str] = ()
    reason: str = ""
    exception_reason: str = ""  # a second request: why, recorded as a nonconformity


@dataclass(frozen=True)
class ReceiveSupplement(Command):
    """The complete supplement arrived: restart the deadline, or resume it (policy ``pause``)."""

    action = "receive_supplement"
    code: str
    documents: Sequence[dict[str, Any] | str] = ()
    note: str = ""


@handles(RequestSupplement, "request_supplement")
def request_supplement(cmd: RequestSupplement, k: Kernel) -> Dossier:
    dossier, loaded = k.load(cmd.code)
    ask_for_supplement(k, dossier, loaded, cmd.items, cmd.reason, cmd.exception_reason)
    return dossier


def ask_for_supplement(k: Kernel, dossier: Dossier, loaded: LoadedVersion, items: Sequence[str], reason: str,
                       exception_reason: str = "") -> None:
    """The dossier awaits the applicant: its open steps are held and the notice is queued."""
    if lifecycle.destination(dossier.status, "request_supplement") is None:
        raise lifecycle.illegal(dossier.code, dossier.status, "request_supplement")
    items = nonempty(items, "thành phần cần bổ sung")
    exception = exception_reason.strip()
    if dossier.supplement_count and not exception:
        raise InvalidCommand(
            f"Hồ sơ {dossier.code} đã được yêu cầu bổ sung {dossier.supplement_count} lần. Theo quy định, mọi thành phần "
            "còn thiếu phải được yêu cầu đầy đủ trong 01 lần; không được yêu cầu bổ sung lần nữa. Nếu buộc phải yêu cầu "
            "thêm, hãy ghi rõ lý do ngoại lệ: yêu cầu sẽ được ghi nhận là điểm không phù hợp.",
            dossier=dossier.code, supplement_count=dossier.supplement_count,
        )
    extra: dict[str, Any] = {"items": items, "reason": reason}
    if dossier.supplement_count:
        extra["exception"] = True
    due = dossier.statutory_due_at
    if dossier.status != Status.REGISTERED and due is not None and k.now > due:
        late = k.s.calendar.working_seconds_between(due, k.now)
        dossier.late_incurred = (dossier.late_incurred or 0) + late
        extra |= {"late_since": due, "late_by": late}
    k.move(dossier, "request_supplement", extra=extra)
    if exception:
        k.record(dossier, SUPPLEMENT_EXCEPTION, {}, {"count": dossier.supplement_count + 1, "reason": exception})
    dossier.supplement_requested_at = k.now
    dossier.supplement_count += 1
    wait = loaded.procedure.supplement_wait
    dossier.supplement_wait_until = k.add(k.now, wait.amount, wait.unit, loaded)
    for task in k.open_tasks(dossier):
        task.state = TaskState.WAITING
    k.outbox(dossier, "supplement_request", {
        "dossier_id": dossier.id, "items": items, "reason": reason,
        "wait_until": dossier.supplement_wait_until.isoformat(), "wait": wait.label(),
    })


@handles(ReceiveSupplement, "receive_supplement")
def receive_supplement(cmd: ReceiveSupplement, k: Kernel) -> Dossier:
    dossier, loaded = k.load(cmd.code)
    now = k.now
    requested_at = dossier.supplement_requested_at
    before = {"due_at": dossier.due_at, "statutory_due_at": dossier.statutory_due_at}
    was_received = dossier.received_at is not None
    # A dossier never received (incomplete at the desk) is received now; else processing resumes.
    k.move(dossier, "receive_supplement" if was_received else "receive")
    added = documents(cmd.documents, now, supplement=True)
    dossier.documents = list(dossier.documents) + added
    procedure, cal = loaded.procedure, k.s.calendar
    policy = procedure.on_supplement if was_received else "restart"
    waited = cal.working_seconds_between(requested_at, now) if requested_at else 0
    if not was_received:
        k.start_clock(dossier, loaded)
    elif policy == "restart":
        k.restart_deadline(dossier, loaded)
    else:
        unit = k.deadline(loaded, dossier).unit
        dossier.statutory_due_at = k.shift(dossier.statutory_due_at, requested_at, waited, unit)
        dossier.due_at = k.shift(dossier.due_at, requested_at, waited, unit)
    for task in k.open_tasks(dossier):
        step = procedure.step(task.step_id)
        task.state = TaskState.OPEN
        if policy == "restart":
            task.ready_at = now
            task.due_at = k.step_due(step, now, loaded)
        else:
            task.due_at = k.shift(task.due_at, requested_at, waited, step.allowance.unit if step.allowance else "working_hours")
    dossier.supplement_requested_at = dossier.supplement_wait_until = None
    k.record(dossier, SUPPLEMENT_RECEIVED, before, {
        "due_at": dossier.due_at, "statutory_due_at": dossier.statutory_due_at, "policy": policy,
        "documents": [d["id"] for d in added], "note": cmd.note,
    })
    if not was_received:
        k.start_route(dossier, loaded)
    elif dossier.due_at != before["due_at"]:
        # A new appointment: a new receipt (Mẫu 01) with the new return time, numbered and recorded.
        k.outbox(dossier, "receipt", {
            "dossier_id": dossier.id, "renewal": True, "policy": policy,
            "previous_due_at": before["due_at"].isoformat() if before["due_at"] else None,
        })
    return dossier


__all__ = ["ReceiveSupplement", "RequestSupplement", "ask_for_supplement"]
