"""What every command does: load, check, move, advance the route, write tasks, record, queue side effects.

A :class:`Kernel` lives for one command: the services, the unit of work's
session, the actor and the command's moment. Dossier and task rows are read
with Core into plain instances and written back at commit by
``storage.rows.RowWriter`` (only changed columns; the dossier under its version).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .. import lifecycle, notifications, outbox, policy, route
from ..audit import record
from ..definitions import Duration, Step, Variant
from ..errors import Conflict, InvalidCommand, NotFound
from ..events import TASKS_READY, status_event
from ..policy import Actor
from ..reports.facts import observe as observe_facts
from ..services import LoadedVersion, Services
from ..storage.models import Dossier, Task
from ..storage.rows import DOSSIERS, LIGHT_DOSSIER_COLUMNS, TASK_COLUMNS, TASKS, RowWriter, new_row
from ..vocabulary import (
    ACTIVE_TASK_STATES,
    CLOSED_STATUSES,
    Result,
    Role,
    Status,
    StepKind,
    TaskState,
)

# Hot statements, built once.
_TASK_AND_DOSSIER = (
    select(*TASKS.c, *(DOSSIERS.c[k].label(f"d_{k}") for k in LIGHT_DOSSIER_COLUMNS))
    .join(DOSSIERS, DOSSIERS.c.id == TASKS.c.dossier_id)
    .where(TASKS.c.id == bindparam("task_id"))
)
_DOSSIER_BY_CODE = select(DOSSIERS).where(DOSSIERS.c.code == bindparam("code"))
_OPEN_TASKS = (
    select(TASKS).where(TASKS.c.dossier_id == bindparam("dossier_id"), TASKS.c.state.in_(ACTIVE_TASK_STATES))
    .order_by(TASKS.c.id)
)
_OPEN_TASK_PLACES = select(TASKS.c.agency_id, TASKS.c.division).where(
    TASKS.c.dossier_id == bindparam("dossier_id"), TASKS.c.state.in_(ACTIVE_TASK_STATES)
)


class Kernel:
    """One command's context and the steps commands share."""

    def __init__(self, services: Services, session: Session, actor: Actor, now: datetime) -> None:
        self.s = services
        self.session = session
        self.actor = actor
        self.now = now

    @property
    def rows(self) -> RowWriter:
        return self.s.rows(self.session)

    # ------------------------------------------------------------------ loading

    def load(self, code: str, action: str | None = None) -> tuple[Dossier, LoadedVersion]:
        """The dossier by code and its pinned version, after checking the actor may act on it.

        The right comes first (issue 12): a dossier the actor may not see is "not found", in the
        very words of a code that does not exist; only then the role and division, then the status.
        """
        row = self.rows.conn.execute(_DOSSIER_BY_CODE, {"code": code}).mappings().first()
        missing = NotFound(f"Không có hồ sơ mã {code}.", code=code)
        if row is None:
            raise missing
        dossier = self.rows.dossier(dict(row))
        if not self.may_see(dossier):
            raise missing
        policy.check_dossier(self.actor, dossier, lambda: self.open_places(dossier), self.s.division_name)
        if action is not None and not policy.status_allows(action, dossier.status):
            raise lifecycle.illegal(dossier.code, dossier.status, action)
        return dossier, self.s.version(self.session, dossier.procedure_version_id)

    def task(self, task_id: int, right: str | None = "step") -> tuple[Task, Dossier]:
        """An open task and its dossier (without its large JSON columns), after checking the actor's right.

        ``right`` is the policy's rule checked right after the row is read, before any state or claim
        check: ``"step"`` (take or complete it: ``policy.check_step``), ``"assign"`` (give it to someone:
        ``policy.check_assign``), None (the caller checks). A task of a dossier the actor may not see is
        "not found" like a task that does not exist: nothing about it is named.
        """
        row = self.rows.conn.execute(_TASK_AND_DOSSIER, {"task_id": task_id}).mappings().first()
        missing = NotFound(f"Không có việc #{task_id}.")
        if row is None:
            raise missing
        task = self.rows.task({key: row[key] for key in TASK_COLUMNS})
        dossier = self.rows.dossier({key: row[f"d_{key}"] for key in LIGHT_DOSSIER_COLUMNS})
        # A step's own agency sees it even once it is done (the loser of a race there gets the 409, not a 404).
        if self.actor.agency != task.agency_id and not self.may_see(dossier):
            raise missing
        if right == "step":
            policy.check_step(self.actor, task, self.s.division_name, dossier.code)
        elif right == "assign":
            policy.check_assign(self.actor, task, self.s.division_name)
        if task.state == TaskState.COMPLETED:
            raise Conflict(
                f"Bước '{task.name}' của hồ sơ {dossier.code} đã được {task.completed_by} hoàn thành; thao tác của bạn chưa được ghi."
            )
        if task.state != TaskState.OPEN:
            raise InvalidCommand(f"Bước '{task.name}' của hồ sơ {dossier.code} không còn mở ({task.state}).")
        return task, dossier

    def may_see(self, dossier: Dossier) -> bool:
        return policy.can_view(self.actor, dossier, (agency for agency, _ in self.open_places(dossier)))

    def open_places(self, dossier: Dossier) -> list[tuple[str, str | None]]:
        """(agency, division) of the dossier's open steps."""
        return [(a, d) for a, d in self.rows.conn.execute(_OPEN_TASK_PLACES, {"dossier_id": dossier.id}).all()]

    def open_tasks(self, dossier: Dossier) -> list[Task]:
        rows = self.rows
        return [rows.task(dict(row)) for row in rows.conn.execute(_OPEN_TASKS, {"dossier_id": dossier.id}).mappings()]

    def cancel_tasks(self, dossier: Dossier) -> None:
        for task in self.open_tasks(dossier):
            task.state, task.completed_at = TaskState.CANCELLED, self.now

    # ------------------------------------------------------------------ writing

    def record(self, dossier: Dossier | None, kind: Any, before: dict[str, Any], after: dict[str, Any]) -> None:
        record(self.session, dossier, self.actor, kind, before, after, self.now)
        observe_facts(self, dossier, kind, before, after)  # the reporting facts, same transaction
        if dossier is not None and notifications.enabled():
            notice = notifications.applicant_notice(str(kind), after)
            if notice is not None:  # the applicant is told by the channels they gave (handlers/applicant.py)
                self.outbox(dossier, "notify.applicant", notice | {"dossier_id": dossier.id})

    def move(self, dossier: Dossier, move: str, extra: dict[str, Any] | None = None) -> None:
        """A move of the status machine, recorded as its own event."""
        before = dossier.status
        dossier.status = lifecycle.move(dossier.code, before, move)
        self.record(dossier, status_event(move), {"status": before}, {"status": dossier.status} | (extra or {}))
        if dossier.status in CLOSED_STATUSES:  # closed: the quality check runs once its notices are out (issue 10)
            self.outbox(dossier, "conformance", {"dossier_id": dossier.id})

    def outbox(self, dossier: Dossier | None, handler: str, payload: dict[str, Any]) -> None:
        outbox.enqueue(self.session, self.s, dossier.id if dossier else None, handler, payload, self.now)

    # ------------------------------------------------------------------ route

    def workflow(self, dossier: Dossier, loaded: LoadedVersion) -> route.LiveRoute:
        workflow = self.s.workflows.take(dossier.id, dossier.version)
        if workflow is None:
            state = self.rows.load_route_state(dossier)
            if state is None:
                raise InvalidCommand(f"Hồ sơ {dossier.code} không còn quy trình đang chạy.")
            workflow = route.load(state, loaded.spec)
        return workflow

    def save_workflow(self, dossier: Dossier, workflow: Any) -> None:
        dossier.route_state = route.dump(workflow)
        cache = self.s.workflows

        def remember() -> None:
            cache.put(dossier.id, dossier.version, workflow)

        self.session.info["after_commit"].append(remember)

    def sync_tasks(self, dossier: Dossier, loaded: LoadedVersion, workflow: Any,
                   ready_before: frozenset[str] | set[str] = frozenset()) -> None:
        """Create a task row for every step that became ready; mark the dossier resolved at the return step.

        ``ready_before`` are the route tasks that already had rows. Nothing is flushed
        mid-command, so the dossier row is written once, at commit.
        """
        created = []
        for step_id in route.ready_steps(workflow):
            if step_id in ready_before:
                continue
            step = loaded.procedure.step(step_id)
            created.append(self.rows.add_task(self.task_row(dossier, loaded, step, True)))
        finished = route.is_finished(workflow)
        reached_return = any(t.kind == StepKind.RETURN for t in created)
        if (reached_return or finished) and dossier.status in (Status.RECEIVED, Status.PROCESSING):
            dossier.result = Result.REFUSED if dossier.proposal == "refusal" else Result.APPROVED
            if dossier.status == Status.RECEIVED:
                self.move(dossier, "start_processing")
            self.move(dossier, "resolve", extra={"result": dossier.result})
            dossier.resolved_at = self.now
        if created:
            self.record(dossier, TASKS_READY, {}, {"tasks": [
                {"step": t.step_id, "role": t.role, "agency": t.agency_id, "due_at": t.due_at} for t in created
            ]})
        if finished:
            dossier.route_state = None  # no return step left: the desk returns with return_result
        else:
            self.save_workflow(dossier, workflow)

    def start_route(self, dossier: Dossier, loaded: LoadedVersion) -> None:
        """Start the route (its first tasks) and queue the receipt slip."""
        self.sync_tasks(dossier, loaded, route.start(loaded.spec, dossier.variant))
        self.outbox(dossier, "receipt", {"dossier_id": dossier.id})

    def task_row(self, dossier: Dossier, loaded: LoadedVersion, step: Step, in_route: bool) -> Task:
        agency = self.step_agency(dossier, loaded, step)
        return new_row(Task, dict(
            dossier_id=dossier.id,
            step_id=step.id,
            name=step.name,
            kind=step.kind,
            role=step.role,
            agency_id=agency,
            unit=step.unit,
            # The division is one of the step's own agency: none when the step runs elsewhere
            # (intake at another desk, a dossier moved by a transfer of competence).
            division=step.division if agency == (step.agency or loaded.procedure.agency) else None,
            state=TaskState.OPEN,
            in_route=in_route,
            ready_at=self.now,
            due_at=self.step_due(step, self.now, loaded),
        ))

    @staticmethod
    def step_agency(dossier: Dossier, loaded: LoadedVersion, step: Step) -> str:
        if step.kind in (StepKind.INTAKE, StepKind.RETURN) and step.role == Role.ONE_STOP:
            return dossier.receiving_agency_id
        if step.agency is None or step.agency == loaded.procedure.agency:
            return dossier.agency_id  # follows a transfer of competence
        return (dossier.step_units or {}).get(step.agency, step.agency)  # a level's step: the unit chosen at receipt

    # ------------------------------------------------------------------ clock

    @staticmethod
    def variant(loaded: LoadedVersion, dossier: Dossier) -> Variant:
        return loaded.procedure.variant(dossier.variant or None)

    def deadline(self, loaded: LoadedVersion, dossier: Dossier) -> Duration:
        return self.variant(loaded, dossier).deadline

    def start_clock(self, dossier: Dossier, loaded: LoadedVersion) -> None:
        """The dossier is received now: its statutory due time counts from this moment."""
        dossier.received_at = self.now
        self.restart_deadline(dossier, loaded)

    def restart_deadline(self, dossier: Dossier, loaded: LoadedVersion) -> None:
        deadline = self.deadline(loaded, dossier)
        dossier.statutory_due_at = dossier.due_at = self.add(self.now, deadline.amount, deadline.unit, loaded)

    def step_due(self, step: Step, ready_at: datetime, loaded: LoadedVersion) -> datetime | None:
        """A step's due time. Intake follows the 15:00 transfer rule, unless the approved
        process gives the intake step more than one working day (then its allowance)."""
        short = step.allowance is None or (step.allowance.is_working and step.allowance.working_hours() <= 8)
        if step.kind == StepKind.INTAKE and short:
            return self.s.calendar.intake_transfer_due(ready_at)
        if step.allowance is None:
            return None
        return self.add(ready_at, step.allowance.amount, step.allowance.unit, loaded)

    def add(self, start: datetime, amount: Any, unit: str, loaded: LoadedVersion) -> datetime:
        return self.s.calendar.add(start, amount, unit, loaded.procedure.counting)

    def shift(self, moment: datetime | None, requested_at: datetime | None, waited: int, unit: str) -> datetime | None:
        """Move a due time by the time spent waiting for a supplement (policy ``pause``)."""
        if moment is None:
            return None
        if unit in ("calendar_days", "hours"):  # elapsed time: the wait counts day and night
            return moment + (self.now - requested_at) if requested_at else moment
        return self.s.calendar.add_working_seconds(moment, waited) if waited else moment

    def local(self, moment: datetime | None) -> str:
        return moment.astimezone(self.s.calendar.tz).strftime("%H:%M %d/%m/%Y") if moment else "—"


def nonempty(values: Sequence[str], what: str) -> list[str]:
    cleaned = [str(v).strip() for v in values if str(v).strip()]
    if not cleaned:
        raise InvalidCommand(f"Thiếu {what}.")
    return cleaned


def documents(items: Sequence[dict[str, Any] | str], now: datetime, known: set[str] | None = None,
              supplement: bool = False) -> list[dict[str, Any]]:
    """Document entries as stored on the dossier: an id, originals and copies (and when supplemented)."""
    out = []
    for doc in items:
        item: dict[str, Any] = {"id": doc} if isinstance(doc, str) else dict(doc)
        if not item.get("id"):
            raise InvalidCommand("Mỗi giấy tờ cần có 'id'.")
        if known and item["id"] not in known and not item.get("name"):
            raise InvalidCommand(f"Giấy tờ '{item['id']}' không có trong thành phần hồ sơ của thủ tục.")
        item.setdefault("originals", 1)
        item.setdefault("copies", 0)
        if supplement:
            item["supplement_at"] = now.isoformat()
        out.append(item)
    return out


__all__ = ["Kernel", "documents", "nonempty"]
