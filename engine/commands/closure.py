"""How a dossier ends or is delayed: refusal after appraisal, withdrawal, closure for want of a supplement,
apology (Mẫu 04), return of the result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .. import route
from ..errors import InvalidCommand
from ..events import DOSSIER_EXTENDED, LATE_APOLOGY, STEP_COMPLETED
from ..storage.models import Dossier
from ..timeliness import classify_dossier
from ..vocabulary import Result, Status, StepKind, TaskState
from .base import Command, handles
from .kernel import Kernel, nonempty


@dataclass(frozen=True)
class Refuse(Command):
    """The head of the agency refuses directly after appraisal (audited as such): the result is a written
    refusal with reasons, signed by them, returned by the desk. The normal path is the route: a specialist
    proposes refusal and the route's leader step decides (``CompleteStep``)."""

    action = "refuse"
    code: str
    reasons: Sequence[str] = ()


@dataclass(frozen=True)
class Withdraw(Command):
    """The applicant withdraws before a result exists; the desk issues the stop notice."""

    action = "withdraw"
    code: str
    reason: str = ""


@dataclass(frozen=True)
class CloseUnsupplemented(Command):
    """Close a dossier whose supplement did not arrive within the procedure's waiting period ("đóng hồ sơ").

    Run by the system actor (the scheduler, for each dossier of
    ``engine.queries.due_for_closure``). Not a refusal: its own status (``closed``), its
    own audit event (``status.close_unsupplemented``) and a notice to the applicant.
    """

    action = "close_unsupplemented"
    code: str


@dataclass(frozen=True)
class Extend(Command):
    """Apologise and set a new return time (Mẫu 04), once, until the result is returned.

    The law asks for it at least one working day before the due time; one made later (or after
    the due time) is still taken, and recorded as a nonconformity (``nonconformity.late_apology``).
    """

    action = "extend"
    code: str
    new_due: datetime
    reason: str = ""


@dataclass(frozen=True)
class ReturnResult(Command):
    """Hand the result to the applicant: the dossier is closed and classified early/on time/late."""

    action = "return_result"
    code: str
    note: str = ""


@handles(Refuse, "refuse")
def refuse(cmd: Refuse, k: Kernel) -> Dossier:
    reasons = nonempty(cmd.reasons, "lý do từ chối")
    dossier, loaded = k.load(cmd.code, "refuse")
    k.cancel_tasks(dossier)
    dossier.result = Result.REFUSED
    signer: dict[str, str | None] = {"id": k.actor.id, "name": k.actor.name, "role": k.actor.role}
    k.move(dossier, "resolve", extra={"result": Result.REFUSED, "reasons": reasons, "direct": True, "signer": signer})
    dossier.resolved_at = k.now
    dossier.route_state = None
    return_step = next((s for s in k.variant(loaded, dossier).steps if s.kind == StepKind.RETURN), None)
    if return_step is not None:
        k.rows.add_task(k.task_row(dossier, loaded, return_step, False))
    written_refusal(k, dossier, reasons, signer, direct=True)
    return dossier


def written_refusal(k: Kernel, dossier: Dossier, reasons: list[str], signer: dict[str, str | None], direct: bool) -> None:
    """Queue the written refusal: a result document of the competent agency, with reasons, signed by its leader
    (not the desk's Mẫu 03 'từ chối tiếp nhận')."""
    k.outbox(dossier, "refusal_notice", {"dossier_id": dossier.id, "reasons": reasons, "stage": "appraisal",
                                         "signer": signer, "direct": direct})


@handles(Withdraw, "withdraw")
def withdraw(cmd: Withdraw, k: Kernel) -> Dossier:
    reason = nonempty([cmd.reason], "lý do rút hồ sơ")[0]
    dossier, _ = k.load(cmd.code)
    k.move(dossier, "request_withdrawal", extra={"reason": reason})
    k.move(dossier, "stop")
    k.cancel_tasks(dossier)
    dossier.route_state = None
    k.outbox(dossier, "stop_notice", {"dossier_id": dossier.id, "reason": reason})
    return dossier


@handles(CloseUnsupplemented, "close_unsupplemented")
def close_unsupplemented(cmd: CloseUnsupplemented, k: Kernel) -> Dossier:
    dossier, loaded = k.load(cmd.code, "close_unsupplemented")
    wait_until = dossier.supplement_wait_until
    if wait_until is None or k.now < wait_until:
        raise InvalidCommand(
            f"Hồ sơ {dossier.code} còn trong thời hạn bổ sung (đến {k.local(wait_until)}); chưa thể đóng hồ sơ.",
            dossier=dossier.code,
        )
    wait = loaded.procedure.supplement_wait
    k.move(dossier, "close_unsupplemented", extra={
        "notice_at": dossier.supplement_requested_at, "wait_until": wait_until, "wait": wait.label(),
    })
    k.cancel_tasks(dossier)
    dossier.closed_at = k.now
    dossier.route_state = None
    k.outbox(dossier, "closure_notice", {
        "dossier_id": dossier.id, "wait": wait.label(),
        "notice_at": dossier.supplement_requested_at.isoformat() if dossier.supplement_requested_at else None,
        "wait_until": wait_until.isoformat(),
    })
    return dossier


@handles(Extend, "extend")
def extend(cmd: Extend, k: Kernel) -> Dossier:
    reason = nonempty([cmd.reason], "lý do xin lỗi, gia hạn")[0]
    if cmd.new_due.tzinfo is None:
        raise InvalidCommand("Thời hạn mới phải có múi giờ.")
    dossier, _ = k.load(cmd.code, "extend")
    if dossier.extended_at is not None:
        raise InvalidCommand(
            f"Hồ sơ {dossier.code} đã được hẹn lại ngày trả kết quả một lần ({k.local(dossier.extended_at)}); "
            "không được hẹn lại lần nữa."
        )
    due = dossier.due_at
    if due is None:
        raise InvalidCommand(f"Hồ sơ {dossier.code} không có thời hạn trả kết quả; không có ngày hẹn để hẹn lại.")
    if cmd.new_due <= due or cmd.new_due <= k.now:
        raise InvalidCommand(f"Ngày hẹn mới phải sau thời hạn hiện tại ({k.local(due)}) và sau thời điểm lập phiếu.")
    cal = k.s.calendar
    left = cal.working_seconds_between(k.now, due)
    late = left < cal.seconds_per_day  # the law: at the latest one working day before the due time
    before = {"due_at": due}
    dossier.due_at, dossier.extended_at = cmd.new_due, k.now
    k.record(dossier, DOSSIER_EXTENDED, before, {"due_at": cmd.new_due, "reason": reason, "late": late})
    if late:
        k.record(dossier, LATE_APOLOGY, {}, {"due_at": due, "left": left})
    k.outbox(dossier, "apology", {"dossier_id": dossier.id, "reason": reason, "new_due_at": cmd.new_due.isoformat(),
                                  "previous_due_at": due.isoformat(), "late": late})
    return dossier


@handles(ReturnResult, "return_result")
def return_result(cmd: ReturnResult, k: Kernel) -> Dossier:
    dossier, loaded = k.load(cmd.code, "return_result")
    open_returns = [t for t in k.open_tasks(dossier) if t.kind == StepKind.RETURN]
    if open_returns:
        task = open_returns[0]
        workflow = k.workflow(dossier, loaded) if task.in_route else None
        if workflow is not None:
            route.complete(workflow, task.step_id, next(iter(loaded.procedure.step(task.step_id).outcomes)))
        task.state, task.completed_by, task.completed_at, task.outcome = TaskState.COMPLETED, k.actor.id, k.now, "done"
        task.claimed_by = task.claimed_by or k.actor.id
        k.record(dossier, STEP_COMPLETED, {"task": task.id, "step": task.step_id, "state": TaskState.OPEN},
                 {"task": task.id, "step": task.step_id, "outcome": "done", "note": cmd.note})
        if workflow is not None:
            k.save_workflow(dossier, workflow)
    finish_return(k, dossier)
    return dossier


def finish_return(k: Kernel, dossier: Dossier) -> None:
    """The result is in the applicant's hands: the dossier is closed and classified."""
    if dossier.status == Status.RESOLVED:
        k.move(dossier, "return_result")
    dossier.returned_at = k.now
    dossier.timeliness = classify_dossier(dossier, k.now, k.s.calendar.tz)
    dossier.route_state = None


__all__ = ["CloseUnsupplemented", "Extend", "Refuse", "ReturnResult", "Withdraw", "finish_return", "written_refusal"]
