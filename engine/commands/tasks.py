"""Steps of the route: claim a ready step, complete it with an outcome (the route decides what follows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from .. import lifecycle, route
from ..definitions import SUPPLEMENT_OUTCOME
from ..errors import Conflict, InvalidCommand
from ..events import STEP_COMPLETED, TASK_CLAIMED
from ..storage.accounts import User
from ..storage.models import Dossier, Task, table
from ..storage.rows import TASKS
from ..timeliness import timeliness
from ..vocabulary import WORKING_STATUSES, Result, Role, Status, StepKind, TaskState
from .assignment import check_assignee, give
from .base import Command, handles
from .closure import finish_return, written_refusal
from .kernel import Kernel
from .supplement import ask_for_supplement

PROPOSE_REFUSAL = "propose_refusal"


@dataclass(frozen=True)
class ClaimTask(Command):
    """Take a ready step."""

    task_id: int


@dataclass(frozen=True)
class CompleteStep(Command):
    """Finish a step with an outcome; the route decides what is ready next.

    An unclaimed step is claimed by the completion itself (one command, one transaction).

    ``request_supplement`` as outcome asks the applicant for the listed items and keeps
    the step open. ``expected_version`` lets a client that showed the dossier at version N
    refuse to act on a newer one.
    """

    task_id: int
    outcome: str | None = None
    checkpoints: Sequence[str] = ()
    note: str = ""
    supplement_items: Sequence[str] = ()
    expected_version: int | None = None
    assignee: str | None = None  # at "phân công": who takes the step(s) that follow (engine.commands.assignment)
    supplement_exception: str = ""  # a second supplement request: why (recorded as a nonconformity)


@handles(ClaimTask, "claim")
def claim(cmd: ClaimTask, k: Kernel) -> Task:
    task, dossier = k.task(cmd.task_id, right="step")
    if task.claimed_by == k.actor.id:
        return task
    if task.claimed_by is not None:
        raise Conflict(f"Việc '{task.name}' của hồ sơ {dossier.code} đã được {task.claimed_by} nhận xử lý.")
    task.claimed_by, task.claimed_at = k.actor.id, k.now
    k.record(dossier, TASK_CLAIMED, {"task": task.id, "claimed_by": None},
             {"task": task.id, "step": task.step_id, "claimed_by": k.actor.id})
    version = dossier.version  # the route is untouched: its cached live workflow stays valid
    cache = k.s.workflows
    k.session.info["after_commit"].append(lambda: cache.bump(dossier.id, version, dossier.version))
    return task


@handles(CompleteStep, "complete")
def complete(cmd: CompleteStep, k: Kernel) -> Dossier:
    task, dossier = k.task(cmd.task_id, right="step")  # the right before the version, the state, the claim
    if cmd.expected_version is not None and dossier.version != cmd.expected_version:
        raise Conflict(f"Hồ sơ {dossier.code} đã thay đổi kể từ khi bạn mở nó; hãy tải lại.")
    if task.claimed_by not in (None, k.actor.id):
        raise Conflict(f"Việc '{task.name}' của hồ sơ {dossier.code} do {task.claimed_by} đang xử lý.")
    loaded = k.s.version(k.session, dossier.procedure_version_id)
    step = loaded.procedure.step(task.step_id)
    outcome = cmd.outcome or next(iter(step.outcomes))
    if outcome not in step.outcomes:
        raise InvalidCommand(
            f"Bước '{step.name}' không có kết quả '{outcome}' (có: {', '.join(step.outcomes)}).", outcome=outcome
        )
    confirmed = set(cmd.checkpoints)
    missing = sorted(step.required_checkpoints - confirmed)
    if missing and outcome != SUPPLEMENT_OUTCOME:
        labels = {c.id: c.label for c in step.checkpoints}
        raise InvalidCommand(
            "Chưa xác nhận các nội dung kiểm tra bắt buộc: " + "; ".join(labels[m] for m in missing),
            missing=missing,
        )
    if outcome == PROPOSE_REFUSAL and not cmd.note.strip():
        raise InvalidCommand(
            f"Đề xuất từ chối giải quyết hồ sơ {dossier.code} phải nêu rõ lý do (ghi chú): "
            "lý do được ghi vào văn bản trả lời từ chối gửi công dân.", outcome=outcome,
        )
    if outcome == SUPPLEMENT_OUTCOME:
        ask_for_supplement(k, dossier, loaded, cmd.supplement_items, cmd.note, cmd.supplement_exception)
        return dossier
    if dossier.status not in WORKING_STATUSES:
        raise lifecycle.illegal(dossier.code, dossier.status, "complete_step")
    workflow = k.workflow(dossier, loaded)
    ready_before = set(route.ready_steps(workflow))
    if task.in_route:
        route.complete(workflow, task.step_id, outcome)
    task.state, task.outcome, task.checkpoints, task.note = TaskState.COMPLETED, outcome, sorted(confirmed), cmd.note or None
    task.completed_by, task.completed_at = k.actor.id, k.now
    if task.claimed_by is None:  # completing an unclaimed step claims it, in this same transaction
        task.claimed_by, task.claimed_at = k.actor.id, k.now
    task.timeliness = timeliness(k.now, task.due_at, k.s.calendar.tz)
    if outcome in ("propose_approval", "propose_refusal"):
        dossier.proposal = "approval" if outcome == "propose_approval" else "refusal"
    k.record(
        dossier, STEP_COMPLETED,
        {"task": task.id, "step": step.id, "state": TaskState.OPEN},
        {"task": task.id, "step": step.id, "outcome": outcome, "checkpoints": sorted(confirmed),
         "timeliness": task.timeliness, "note": cmd.note},
    )
    if step.kind == StepKind.INTAKE and dossier.status == Status.RECEIVED:
        k.move(dossier, "start_processing")
    if step.kind == StepKind.RETURN:
        finish_return(k, dossier)
    status_before = dossier.status
    k.sync_tasks(dossier, loaded, workflow, ready_before)
    if dossier.status == Status.RESOLVED and status_before != Status.RESOLVED and dossier.result == Result.REFUSED:
        refusal_decided(k, dossier, task)
    if cmd.assignee:
        assign_new_steps(k, dossier, cmd.assignee)
    return dossier


def assign_new_steps(k: Kernel, dossier: Dossier, assignee: str) -> None:
    """Give the steps this completion made ready to ``assignee`` (the head's choice at "phân công")."""
    fresh = [t for t in k.rows.new_tasks if t.dossier_id == dossier.id and t.role != k.actor.role]
    if not fresh:
        raise InvalidCommand("Bước này không chuyển sang bước nào để phân công cho cán bộ khác; bỏ chọn người thụ lý.")
    for task in fresh:
        check_assignee(k, task, assignee)
        give(k, dossier, task, assignee)


_COMPLETED = (
    select(TASKS.c.completed_by, TASKS.c.role, TASKS.c.outcome, TASKS.c.note)
    .where(TASKS.c.dossier_id == bindparam("dossier_id"), TASKS.c.state == TaskState.COMPLETED)
    .order_by(TASKS.c.completed_at.desc(), TASKS.c.id.desc())
)
_USER_NAME = select(table(User).c.name).where(table(User).c.id == bindparam("user_id"))
LEADERS = (Role.DIRECTOR, Role.DIVISION_HEAD)  # who signs a refusal decided on the route, in that order


def refusal_decided(k: Kernel, dossier: Dossier, last: Task) -> None:
    """The route ended in a refusal (a specialist proposed it, the leader's step decided it): the
    applicant gets a written refusal with the proposal's reasons, signed by the leader who decided."""
    done = [(last.completed_by, last.role, last.outcome, last.note)]
    done += [tuple(row) for row in k.rows.conn.execute(_COMPLETED, {"dossier_id": dossier.id})]
    reasons = next((note for _by, _role, outcome, note in done if outcome == PROPOSE_REFUSAL and note), None)
    leader = next((row for role in LEADERS for row in done if row[1] == role), None)
    signer: dict[str, str | None] = {"id": None, "name": None, "role": None}
    if leader is not None:
        name = k.rows.conn.execute(_USER_NAME, {"user_id": leader[0]}).scalar()
        if name is None and leader[0] == k.actor.id:
            name = k.actor.name or None
        signer = {"id": leader[0], "name": name, "role": leader[1]}
    written_refusal(k, dossier, [reasons] if reasons else [], signer, direct=False)


__all__ = ["ClaimTask", "CompleteStep"]
