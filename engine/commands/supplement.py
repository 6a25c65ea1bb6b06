"""Supplements: ask the applicant for everything missing in one notice (Mẫu 02), receive what arrives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..events import SUPPLEMENT_RECEIVED
from ..storage.models import Dossier
from ..vocabulary import TaskState
from .base import Command, handles
from .kernel import Kernel, documents, nonempty


@dataclass(frozen=True)
class RequestSupplement(Command):
    """Ask for everything missing in one notice (Mẫu 02); the clock stops."""

    action = "request_supplement"
    code: str
    items: Sequence[str] = ()
    reason: str = ""


@dataclass(frozen=True)
class ReceiveSupplement(Command):
    """The complete supplement arrived: restart the deadline, or resume it (policy ``pause``)."""

    action = "receive_supplement"
    code: str
    documents: Sequence[dict[str, Any] | str] = ()
    note: str = ""


@handles(RequestSupplement, "request_supplement")
def request_supplement(cmd: RequestSupplement, k: Kernel) -> Dossier:
    dossier, _ = k.load(cmd.code)
    ask_for_supplement(k, dossier, cmd.items, cmd.reason)
    return dossier


def ask_for_supplement(k: Kernel, dossier: Dossier, items: Sequence[str], reason: str) -> None:
    """The dossier awaits the applicant: its open steps are held and the notice is queued."""
    items = nonempty(items, "thành phần cần bổ sung")
    k.move(dossier, "request_supplement", extra={"items": items, "reason": reason})
    dossier.supplement_requested_at = k.now
    dossier.supplement_count += 1
    for task in k.open_tasks(dossier):
        task.state = TaskState.WAITING
    k.outbox(dossier, "supplement_request", {"dossier_id": dossier.id, "items": items, "reason": reason})


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
    dossier.supplement_requested_at = None
    k.record(dossier, SUPPLEMENT_RECEIVED, before, {
        "due_at": dossier.due_at, "statutory_due_at": dossier.statutory_due_at, "policy": policy,
        "documents": [d["id"] for d in added], "note": cmd.note,
    })
    if not was_received:
        k.start_route(dossier, loaded)
    return dossier


__all__ = ["ReceiveSupplement", "RequestSupplement", "ask_for_supplement"]
