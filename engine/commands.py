"""The commands: the only way anything changes a dossier.

Each command is one unit of work: it loads the dossier (with its version for
optimistic locking) and the procedure version it was received under, asks the
lifecycle whether the move is legal and the route which steps become ready,
computes due times on the working calendar, writes state, tasks, one audit
event per change and outbox rows, and commits once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from . import lifecycle, route
from .audit import Actor, record
from .definitions import SUPPLEMENT_OUTCOME, Duration, Step, Variant
from .errors import Conflict, Forbidden, InvalidCommand, NotFound
from .services import LoadedVersion, Services
from .storage.models import Counter, Dossier, Task
from .storage.rows import DOSSIERS, LIGHT_DOSSIER_COLUMNS, TASK_COLUMNS, TASKS, new_row

CHANNELS = ("direct", "postal", "online")
# Hot statements, built once. Commands read rows with Core; ``storage.rows`` writes them back.
_TASK_AND_DOSSIER = (
    select(*TASKS.c, *(DOSSIERS.c[k].label(f"d_{k}") for k in LIGHT_DOSSIER_COLUMNS))
    .join(DOSSIERS, DOSSIERS.c.id == TASKS.c.dossier_id)
    .where(TASKS.c.id == bindparam("task_id"))
)
_DOSSIER_BY_CODE = select(DOSSIERS).where(DOSSIERS.c.code == bindparam("code"))
_OPEN_TASKS = (
    select(TASKS).where(TASKS.c.dossier_id == bindparam("dossier_id"), TASKS.c.state.in_(("open", "waiting"))).order_by(TASKS.c.id)
)
_OPEN_TASK_PLACES = select(TASKS.c.agency_id, TASKS.c.division).where(
    TASKS.c.dossier_id == bindparam("dossier_id"), TASKS.c.state.in_(("open", "waiting"))
)
STAFF_AT_DESK = {"one_stop"}
APPRAISERS = {"specialist", "division_head", "director"}
PRIVILEGED = {"administrator", "system"}


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    email: str = ""
    organisation: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Applicant:
        if not isinstance(data, dict) or not str(data.get("name", "")).strip():
            raise InvalidCommand("Thiếu tên người nộp hồ sơ (applicant.name).")
        known = {k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__ and v is not None}
        return cls(**known)


def _as_dict(applicant: Applicant) -> dict[str, str]:
    return {k: v for k, v in applicant.__dict__.items() if v}


class Commands:
    """The service layer. Every way in (API, CLI, scheduler) calls these methods."""

    def __init__(self, services: Services) -> None:
        self.s = services

    # ------------------------------------------------------------------ intake

    def receive(
        self,
        actor: Actor,
        procedure_code: str,
        applicant: dict[str, Any],
        channel: str = "direct",
        documents: Sequence[dict[str, Any] | str] = (),
        received_at: datetime | None = None,
        note: str = "",
        variant: str | None = None,
    ) -> Dossier:
        """Receive a complete dossier: code, statutory due time, route started, receipt queued.

        ``variant`` names the procedure's case when it has several (e.g. cấp mới / giải thể).
        """
        self._require_role(actor, STAFF_AT_DESK)
        with self.s.unit_of_work() as session:
            now = received_at or self.s.now()
            dossier, loaded = self._new_dossier(session, actor, procedure_code, applicant, channel, documents, now, variant)
            self._start_clock(dossier, loaded, now)
            self._register(session, dossier, actor, "received", "dossier.received", {"note": note}, now)
            self._start_route(session, dossier, loaded, actor, now)
            return dossier

    def refuse_intake(
        self,
        actor: Actor,
        procedure_code: str,
        applicant: dict[str, Any],
        reasons: Sequence[str],
        channel: str = "direct",
        documents: Sequence[dict[str, Any] | str] = (),
        variant: str | None = None,
    ) -> Dossier:
        """Refuse to receive (Mẫu 03): the dossier is recorded as not received, with reasons."""
        self._require_role(actor, STAFF_AT_DESK)
        reasons = _nonempty(reasons, "lý do từ chối")
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, _ = self._new_dossier(session, actor, procedure_code, applicant, channel, documents, now, variant)
            self._register(session, dossier, actor, "not_received", "dossier.refused_at_intake", {"reasons": reasons}, now)
            self._outbox(session, dossier, "refusal_notice", {"dossier_id": dossier.id, "reasons": reasons, "stage": "intake"}, now)
            return dossier

    def register_online(
        self, actor: Actor, procedure_code: str, applicant: dict[str, Any], documents: Sequence[dict[str, Any] | str] = (),
        variant: str | None = None,
    ) -> Dossier:
        """An online submission, registered but not yet checked by the one-stop desk."""
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, _ = self._new_dossier(session, actor, procedure_code, applicant, "online", documents, now, variant)
            self._register(session, dossier, actor, "registered", "dossier.registered", {}, now)
            return dossier

    def accept_registered(self, actor: Actor, code: str) -> Dossier:
        """The desk checks an online dossier and receives it: the clock starts now."""
        self._require_role(actor, STAFF_AT_DESK)
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, loaded = self._load(session, code, actor)
            self._move(session, dossier, actor, "receive", now)
            self._start_clock(dossier, loaded, now)
            self._start_route(session, dossier, loaded, actor, now)
            return dossier

    def request_supplement_at_intake(
        self,
        actor: Actor,
        procedure_code: str,
        applicant: dict[str, Any],
        items: Sequence[str],
        reason: str = "",
        channel: str = "direct",
        documents: Sequence[dict[str, Any] | str] = (),
        variant: str | None = None,
    ) -> Dossier:
        """Incomplete at the desk: record the dossier and ask for everything missing in one notice (Mẫu 02).

        No statutory clock runs; when the complete supplement arrives, ``receive_supplement``
        receives the dossier (status ``received``), starts the clock and the route, and issues the receipt.
        """
        self._require_role(actor, STAFF_AT_DESK)
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, loaded = self._new_dossier(session, actor, procedure_code, applicant, channel, documents, now, variant)
            self._register(session, dossier, actor, "registered", "dossier.registered", {"at_desk": True}, now)
            self._request_supplement(session, dossier, loaded, actor, items, reason, now)
            return dossier

    # ------------------------------------------------------------------ tasks

    def claim(self, actor: Actor, task_id: int) -> Task:
        """Take a ready task."""
        with self.s.unit_of_work() as session:
            now = self.s.now()
            task, dossier = self._task(session, task_id)
            self._may_act(actor, task)
            if task.claimed_by == actor.id:
                return task
            if task.claimed_by is not None:
                raise Conflict(f"Việc '{task.name}' của hồ sơ {dossier.code} đã được {task.claimed_by} nhận xử lý.")
            task.claimed_by, task.claimed_at = actor.id, now
            record(session, dossier, actor, "task.claimed", {"task": task.id, "claimed_by": None}, {"task": task.id, "step": task.step_id, "claimed_by": actor.id}, now)
            version = dossier.version  # the route is untouched: its cached live workflow stays valid
            session.info["after_commit"].append(lambda: self.s.workflows.bump(dossier.id, version, dossier.version))
            return task

    def complete(
        self,
        actor: Actor,
        task_id: int,
        outcome: str | None = None,
        checkpoints: Iterable[str] = (),
        note: str = "",
        supplement_items: Sequence[str] = (),
        expected_version: int | None = None,
    ) -> Dossier:
        """Finish a step with an outcome; the route decides what is ready next.

        ``request_supplement`` as outcome asks the applicant for the listed
        items and keeps the step open. ``expected_version`` lets a client that
        showed the dossier at version N refuse to act on a newer one.
        """
        with self.s.unit_of_work() as session:
            now = self.s.now()
            task, dossier = self._task(session, task_id)
            if expected_version is not None and dossier.version != expected_version:
                raise Conflict(f"Hồ sơ {dossier.code} đã thay đổi kể từ khi bạn mở nó; hãy tải lại.")
            self._may_act(actor, task)
            if task.claimed_by not in (None, actor.id):
                raise Conflict(f"Việc '{task.name}' của hồ sơ {dossier.code} do {task.claimed_by} đang xử lý.")
            loaded = self.s.version(session, dossier.procedure_version_id)
            step = loaded.procedure.step(task.step_id)
            outcome = outcome or next(iter(step.outcomes))
            if outcome not in step.outcomes:
                raise InvalidCommand(
                    f"Bước '{step.name}' không có kết quả '{outcome}' (có: {', '.join(step.outcomes)}).", outcome=outcome
                )
            confirmed = set(checkpoints)
            missing = sorted(step.required_checkpoints - confirmed)
            if missing and outcome != SUPPLEMENT_OUTCOME:
                labels = {c.id: c.label for c in step.checkpoints}
                raise InvalidCommand(
                    "Chưa xác nhận các nội dung kiểm tra bắt buộc: " + "; ".join(labels[m] for m in missing),
                    missing=missing,
                )
            if outcome == SUPPLEMENT_OUTCOME:
                self._request_supplement(session, dossier, loaded, actor, supplement_items, note, now)
                return dossier
            if dossier.status not in ("received", "processing", "resolved"):
                raise lifecycle_error(dossier, "complete_step")
            workflow = self._workflow(session, dossier, loaded)
            ready_before = set(route.ready_steps(workflow))
            if task.in_route:
                route.complete(workflow, task.step_id, outcome)
            task.state, task.outcome, task.checkpoints, task.note = "completed", outcome, sorted(confirmed), note or None
            task.completed_by, task.completed_at = actor.id, now
            task.claimed_by = task.claimed_by or actor.id
            task.timeliness = _timeliness(now, task.due_at, self.s.calendar)
            if outcome in ("propose_approval", "propose_refusal"):
                dossier.proposal = "approval" if outcome == "propose_approval" else "refusal"
            record(
                session, dossier, actor, "step.completed",
                {"task": task.id, "step": step.id, "state": "open"},
                {"task": task.id, "step": step.id, "outcome": outcome, "checkpoints": sorted(confirmed), "timeliness": task.timeliness, "note": note},
                now,
            )
            if step.kind == "intake" and dossier.status == "received":
                self._move(session, dossier, actor, "start_processing", now)
            if step.kind == "return":
                self._finish_return(session, dossier, actor, now)
            self._sync_tasks(session, dossier, loaded, workflow, actor, now, ready_before)
            return dossier

    # ------------------------------------------------------------------ supplement

    def request_supplement(self, actor: Actor, code: str, items: Sequence[str], reason: str = "") -> Dossier:
        """Ask for everything missing in one notice (Mẫu 02); the clock stops."""
        self._require_role(actor, STAFF_AT_DESK | APPRAISERS)
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, loaded = self._load(session, code, actor)
            self._request_supplement(session, dossier, loaded, actor, items, reason, now)
            return dossier

    def receive_supplement(self, actor: Actor, code: str, documents: Sequence[dict[str, Any] | str] = (), note: str = "") -> Dossier:
        """The complete supplement arrived: restart the deadline, or resume it (policy ``pause``)."""
        self._require_role(actor, STAFF_AT_DESK)
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, loaded = self._load(session, code, actor)
            requested_at = dossier.supplement_requested_at
            before = {"due_at": dossier.due_at, "statutory_due_at": dossier.statutory_due_at}
            was_received = dossier.received_at is not None
            # A dossier never received (incomplete at the desk) is received now; else processing resumes.
            self._move(session, dossier, actor, "receive_supplement" if was_received else "receive", now)
            dossier.documents = list(dossier.documents) + _documents(documents, now, supplement=True)
            procedure, cal = loaded.procedure, self.s.calendar
            policy = procedure.on_supplement if was_received else "restart"
            waited = cal.working_seconds_between(requested_at, now) if requested_at else 0
            if not was_received:
                self._start_clock(dossier, loaded, now)
            elif policy == "restart":
                self._restart_deadline(dossier, loaded, now)
            else:
                unit = self._deadline(loaded, dossier).unit
                dossier.statutory_due_at = self._shift(dossier.statutory_due_at, requested_at, now, waited, unit)
                dossier.due_at = self._shift(dossier.due_at, requested_at, now, waited, unit)
            for task in self._open_tasks(session, dossier):
                step = procedure.step(task.step_id)
                task.state = "open"
                if policy == "restart":
                    task.ready_at = now
                    task.due_at = self._step_due(step, now, loaded)
                else:
                    task.due_at = self._shift(task.due_at, requested_at, now, waited, step.allowance.unit if step.allowance else "working_hours")
            dossier.supplement_requested_at = None
            record(
                session, dossier, actor, "supplement.received", before,
                {"due_at": dossier.due_at, "statutory_due_at": dossier.statutory_due_at, "policy": policy, "documents": [d["id"] for d in _documents(documents, now)], "note": note},
                now,
            )
            if not was_received:
                self._start_route(session, dossier, loaded, actor, now)
            return dossier

    # ------------------------------------------------------------------ endings

    def refuse(self, actor: Actor, code: str, reasons: Sequence[str]) -> Dossier:
        """Refuse after appraisal: the result is a refusal with written reasons, returned by the desk."""
        self._require_role(actor, APPRAISERS)
        reasons = _nonempty(reasons, "lý do từ chối")
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, loaded = self._load(session, code, actor)
            if dossier.status not in ("processing", "awaiting_supplement"):
                raise lifecycle_error(dossier, "refuse")
            self._cancel_tasks(session, dossier, now)
            dossier.result = "refused"
            self._move(session, dossier, actor, "resolve", now, extra={"result": "refused", "reasons": reasons})
            dossier.resolved_at = now
            dossier.route_state = None
            return_step = next((s for s in self._variant(loaded, dossier).steps if s.kind == "return"), None)
            if return_step is not None:
                self.s.rows(session).add_task(self._task_row(dossier, loaded, return_step, False, now))
            self._outbox(session, dossier, "refusal_notice", {"dossier_id": dossier.id, "reasons": reasons, "stage": "appraisal"}, now)
            return dossier

    def withdraw(self, actor: Actor, code: str, reason: str) -> Dossier:
        """The applicant withdraws before a result exists; the desk issues the stop notice."""
        self._require_role(actor, STAFF_AT_DESK)
        reason = _nonempty([reason], "lý do rút hồ sơ")[0]
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, _ = self._load(session, code, actor)
            self._move(session, dossier, actor, "request_withdrawal", now, extra={"reason": reason})
            self._move(session, dossier, actor, "stop", now)
            self._cancel_tasks(session, dossier, now)
            dossier.route_state = None
            self._outbox(session, dossier, "stop_notice", {"dossier_id": dossier.id, "reason": reason}, now)
            return dossier

    def extend(self, actor: Actor, code: str, new_due: datetime, reason: str) -> Dossier:
        """Apologise and set a new return time (Mẫu 04): once, and at least one working day before the due time."""
        self._require_role(actor, STAFF_AT_DESK | APPRAISERS)
        reason = _nonempty([reason], "lý do xin lỗi, gia hạn")[0]
        if new_due.tzinfo is None:
            raise InvalidCommand("Thời hạn mới phải có múi giờ.")
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, _ = self._load(session, code, actor)
            if dossier.status not in ("received", "processing", "awaiting_supplement", "awaiting_payment"):
                raise lifecycle_error(dossier, "extend")
            if dossier.extended_at is not None:
                raise InvalidCommand(
                    f"Hồ sơ {dossier.code} đã được hẹn lại ngày trả kết quả một lần ({_local(dossier.extended_at, self.s)}); không được hẹn lại lần nữa."
                )
            cal = self.s.calendar
            if dossier.due_at is None or cal.working_seconds_between(now, dossier.due_at) < cal.seconds_per_day:
                raise InvalidCommand(
                    f"Phải gửi phiếu xin lỗi chậm nhất 01 ngày làm việc trước thời hạn ({_local(dossier.due_at, self.s)})."
                )
            if new_due <= dossier.due_at:
                raise InvalidCommand("Ngày hẹn mới phải sau thời hạn hiện tại.")
            before = {"due_at": dossier.due_at}
            dossier.due_at, dossier.extended_at = new_due, now
            record(session, dossier, actor, "dossier.extended", before, {"due_at": new_due, "reason": reason}, now)
            self._outbox(session, dossier, "apology", {"dossier_id": dossier.id, "reason": reason, "new_due_at": new_due.isoformat()}, now)
            return dossier

    def return_result(self, actor: Actor, code: str, note: str = "") -> Dossier:
        """Hand the result to the applicant: the dossier is closed and classified early/on time/late."""
        self._require_role(actor, STAFF_AT_DESK)
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, loaded = self._load(session, code, actor)
            open_returns = [t for t in self._open_tasks(session, dossier) if t.kind == "return"]
            if dossier.status != "resolved":
                raise lifecycle_error(dossier, "return_result")
            if open_returns:
                task = open_returns[0]
                workflow = self._workflow(session, dossier, loaded) if task.in_route else None
                if workflow is not None:
                    route.complete(workflow, task.step_id, next(iter(loaded.procedure.step(task.step_id).outcomes)))
                task.state, task.completed_by, task.completed_at, task.outcome = "completed", actor.id, now, "done"
                task.claimed_by = task.claimed_by or actor.id
                record(session, dossier, actor, "step.completed", {"task": task.id, "step": task.step_id, "state": "open"}, {"task": task.id, "step": task.step_id, "outcome": "done", "note": note}, now)
                if workflow is not None:
                    self._save_workflow(session, dossier, workflow)
            self._finish_return(session, dossier, actor, now)
            return dossier

    def transfer_competence(self, actor: Actor, code: str, to_agency: str, legal_basis: str, effective: datetime | None = None) -> Dossier:
        """Move a dossier in progress to the successor agency, keeping its receipt and due times."""
        if actor.role not in PRIVILEGED | {"analyst"}:
            raise Forbidden("Chỉ quản trị viên hoặc cán bộ kiểm soát TTHC được chuyển thẩm quyền.")
        legal_basis = _nonempty([legal_basis], "căn cứ pháp lý")[0]
        with self.s.unit_of_work() as session:
            now = self.s.now()
            dossier, _ = self._load(session, code, actor)
            if dossier.status in lifecycle.CLOSED:
                raise lifecycle_error(dossier, "transfer_competence")
            target = self.s.agency(session, to_agency)
            old = dossier.agency_id
            if old == target.id:
                raise InvalidCommand(f"Hồ sơ {dossier.code} đã thuộc {target.name}.")
            moved = []
            for task in self._open_tasks(session, dossier):
                if task.agency_id == old:
                    # The old agency's division means nothing at the new one: the step is open to its role there.
                    task.agency_id, task.claimed_by, task.claimed_at, task.division = target.id, None, None, None
                    moved.append(task.id)
            dossier.agency_id = target.id
            record(
                session, dossier, actor, "dossier.competence_transferred",
                {"agency": old},
                {"agency": target.id, "legal_basis": legal_basis, "effective": (effective or now), "tasks": moved,
                 "received_at": dossier.received_at, "due_at": dossier.due_at},
                now,
            )
            return dossier

    # ------------------------------------------------------------------ internals

    def _new_dossier(self, session: Session, actor: Actor, procedure_code: str, applicant: dict[str, Any],
                     channel: str, documents: Sequence[dict[str, Any] | str], now: datetime,
                     variant: str | None = None) -> tuple[Dossier, LoadedVersion]:
        if channel not in CHANNELS:
            raise InvalidCommand(f"Hình thức nộp không hợp lệ '{channel}' (direct, postal, online).")
        person = Applicant.from_dict(applicant)
        local_day = now.astimezone(self.s.calendar.tz).date()
        row = self.s.version_in_force(session, procedure_code, local_day)
        if row.abolished_from is not None and row.abolished_from <= local_day:
            raise InvalidCommand(
                f"Thủ tục {procedure_code} đã bị bãi bỏ từ {row.abolished_from:%d/%m/%Y} ({row.decision or 'quyết định bãi bỏ'}); không nhận hồ sơ mới.",
                code=procedure_code,
            )
        loaded = self.s.version(session, row.id)
        procedure = loaded.procedure
        if not procedure.confirmed and not self.s.settings.allow_unconfirmed:
            raise InvalidCommand(
                f"Thủ tục {procedure_code} chưa được xác nhận thời hạn/quy trình (đang cập nhật); "
                "quản trị viên chưa cho phép nhận hồ sơ thủ tục chưa xác nhận."
            )
        try:
            case = procedure.variant(variant)
        except KeyError as choices:
            raise InvalidCommand(
                f"Thủ tục {procedure_code} có nhiều trường hợp; hãy chọn một: {choices.args[0]}."
                if variant is None else f"Thủ tục {procedure_code} không có trường hợp '{variant}' (có: {choices.args[0]}).",
                variants=[v.id for v in procedure.variants],
            ) from None
        if channel not in procedure.channels and "channels" not in procedure.unconfirmed:
            raise InvalidCommand(f"Thủ tục {procedure_code} không nhận hồ sơ qua hình thức '{channel}'.")
        receiving = actor.agency if actor.agency else procedure.agency
        agency = self.s.agency(session, receiving)
        serial = self._take_serial(session, f"dossier:{agency.id}:{local_day:%y%m%d}")
        dossier = Dossier(
            code=f"{agency.eid}-{local_day:%y%m%d}-{serial:04d}",
            procedure_version_id=row.id,
            procedure_code=procedure.code,
            variant=case.id,
            agency_id=procedure.agency,
            receiving_agency_id=agency.id,
            channel=channel,
            applicant=_as_dict(person),
            documents=_documents(documents, now, known={d["id"] for d in procedure.documents}),
            registered_at=now,
            supplement_count=0,
            audit_seq=0,
            audit_head="",
        )
        return dossier, loaded

    def _take_serial(self, session: Session, scope: str) -> int:
        """A dossier serial in its own short transaction, so concurrent receipts at one agency
        do not wait for each other's whole command. A receipt that fails afterwards leaves an
        unused number (a gap), never a duplicate. SQLite has one writer at a time anyway:
        there the serial is taken in the command's own transaction (no gap, one commit less)."""
        if session.get_bind().dialect.name == "sqlite":
            return next_serial(session, scope)
        with self.s.sessions() as own:
            serial = next_serial(own, scope)
            own.commit()
        return serial

    def _register(self, session: Session, dossier: Dossier, actor: Actor, status: str, action: str,
                  extra: dict[str, Any], now: datetime) -> None:
        """Store a new dossier in its first status and open its audit chain."""
        dossier.status = status
        self.s.rows(session).insert_dossier(dossier)  # its id, for the audit event and the tasks
        record(session, dossier, actor, action, {}, self._snapshot(dossier) | extra, now)

    def _start_clock(self, dossier: Dossier, loaded: LoadedVersion, now: datetime) -> None:
        """The dossier is received now: its statutory due time counts from this moment."""
        dossier.received_at = now
        self._restart_deadline(dossier, loaded, now)

    def _restart_deadline(self, dossier: Dossier, loaded: LoadedVersion, now: datetime) -> None:
        deadline = self._deadline(loaded, dossier)
        dossier.statutory_due_at = dossier.due_at = self._add(now, deadline.amount, deadline.unit, loaded)

    def _start_route(self, session: Session, dossier: Dossier, loaded: LoadedVersion, actor: Actor, now: datetime) -> None:
        """Start the route (its first tasks) and queue the receipt slip."""
        self._sync_tasks(session, dossier, loaded, route.start(loaded.spec, dossier.variant), actor, now)
        self._outbox(session, dossier, "receipt", {"dossier_id": dossier.id}, now)

    def _load(self, session: Session, code: str, actor: Actor) -> tuple[Dossier, LoadedVersion]:
        rows = self.s.rows(session)
        row = rows.conn.execute(_DOSSIER_BY_CODE, {"code": code}).mappings().first()
        if row is None:
            raise NotFound(f"Không có hồ sơ mã {code}.", code=code)
        dossier = rows.dossier(dict(row))
        self._may_touch(actor, dossier, session)
        return dossier, self.s.version(session, dossier.procedure_version_id)

    def _task(self, session: Session, task_id: int) -> tuple[Task, Dossier]:
        rows = self.s.rows(session)
        row = rows.conn.execute(_TASK_AND_DOSSIER, {"task_id": task_id}).mappings().first()
        if row is None:
            raise NotFound(f"Không có việc #{task_id}.")
        task = rows.task({key: row[key] for key in TASK_COLUMNS})
        dossier = rows.dossier({key: row[f"d_{key}"] for key in LIGHT_DOSSIER_COLUMNS})
        if task.state != "open":
            self._closed_task(task, dossier)
        return task, dossier

    def _closed_task(self, task: Task, dossier: Dossier) -> None:
        if task.state == "completed":
            raise Conflict(
                f"Bước '{task.name}' của hồ sơ {dossier.code} đã được {task.completed_by} hoàn thành; thao tác của bạn chưa được ghi."
            )
        raise InvalidCommand(f"Bước '{task.name}' của hồ sơ {dossier.code} không còn mở ({task.state}).")

    def _require_role(self, actor: Actor, roles: set[str]) -> None:
        if actor.role not in roles | PRIVILEGED:
            raise Forbidden(f"Vai trò '{actor.role}' không được thực hiện thao tác này.")

    def may_act(self, actor: Actor, task: Any) -> bool:
        """Whether ``actor`` may take this step (role, agency, division), for pages that offer actions.

        ``task`` is a task row or anything with its ``name``, ``role``, ``agency_id`` and ``division``.
        """
        try:
            self._may_act(actor, task)
        except Forbidden:
            return False
        return True

    def _may_act(self, actor: Actor, task: Task) -> None:
        if actor.role in PRIVILEGED:
            return
        if actor.role != task.role or (actor.agency is not None and actor.agency != task.agency_id):
            raise Forbidden(f"Việc '{task.name}' dành cho vai trò '{task.role}' của cơ quan '{task.agency_id}'.")
        if task.division is not None and actor.unit != task.division:
            # A division the task's agency does not declare (the task moved with a transfer of competence) binds no one.
            division = self.s.division_name(task.agency_id, task.division)
            if division is not None:
                raise Forbidden(
                    f"Việc '{task.name}' thuộc {division}: chỉ cán bộ của phòng này được nhận và xử lý; "
                    f"bạn không thuộc {division}.",
                    division=task.division,
                )

    def _may_touch(self, actor: Actor, dossier: Dossier, session: Session) -> None:
        """May ``actor`` act on the dossier as a whole (refuse, supplement, extend, return...)?

        Agency: the dossier's competent or receiving agency, or one where it has an open step.
        Division: an appraiser who belongs to a division acts only while one of the dossier's open
        steps at their agency is their division's or no division's (``_may_act`` rules single steps).
        """
        if actor.role in PRIVILEGED | {"analyst"} or actor.agency is None:
            return
        own_agency = actor.agency in (dossier.agency_id, dossier.receiving_agency_id)
        by_division = actor.unit is not None and actor.role in APPRAISERS
        if own_agency and not by_division:
            return
        open_steps = self.s.rows(session).conn.execute(_OPEN_TASK_PLACES, {"dossier_id": dossier.id}).all()
        if not own_agency and actor.agency not in {agency for agency, _ in open_steps}:
            raise Forbidden(f"Hồ sơ {dossier.code} không thuộc cơ quan của bạn.")
        if by_division and not any(
            agency == actor.agency and (division in (None, actor.unit) or self.s.division_name(agency, division) is None)
            for agency, division in open_steps
        ):
            raise Forbidden(
                f"Hồ sơ {dossier.code} không ở bước xử lý của phòng bạn; chỉ cán bộ của phòng đang xử lý hồ sơ được thao tác.",
                division=actor.unit,
            )

    def _move(self, session: Session, dossier: Dossier, actor: Actor, move: str, now: datetime, extra: dict[str, Any] | None = None) -> None:
        before = dossier.status
        dossier.status = lifecycle.move(dossier.code, before, move)
        record(session, dossier, actor, f"status.{move}", {"status": before}, {"status": dossier.status} | (extra or {}), now)

    def _request_supplement(self, session: Session, dossier: Dossier, loaded: LoadedVersion, actor: Actor,
                            items: Sequence[str], reason: str, now: datetime) -> None:
        items = _nonempty(items, "thành phần cần bổ sung")
        self._move(session, dossier, actor, "request_supplement", now, extra={"items": items, "reason": reason})
        dossier.supplement_requested_at = now
        dossier.supplement_count += 1
        for task in self._open_tasks(session, dossier):
            task.state = "waiting"
        self._outbox(session, dossier, "supplement_request", {"dossier_id": dossier.id, "items": items, "reason": reason}, now)

    def _finish_return(self, session: Session, dossier: Dossier, actor: Actor, now: datetime) -> None:
        if dossier.status == "resolved":
            self._move(session, dossier, actor, "return_result", now)
        dossier.returned_at = now
        dossier.timeliness = _classify(dossier, self.s)
        dossier.route_state = None

    def _workflow(self, session: Session, dossier: Dossier, loaded: LoadedVersion) -> route.LiveRoute:
        workflow = self.s.workflows.take(dossier.id, dossier.version)
        if workflow is None:
            state = self.s.rows(session).load_route_state(dossier)
            if state is None:
                raise InvalidCommand(f"Hồ sơ {dossier.code} không còn quy trình đang chạy.")
            workflow = route.load(state, loaded.spec)
        return workflow

    def _save_workflow(self, session: Session, dossier: Dossier, workflow: Any) -> None:
        dossier.route_state = route.dump(workflow)

        def remember() -> None:
            self.s.workflows.put(dossier.id, dossier.version, workflow)

        session.info["after_commit"].append(remember)

    def _sync_tasks(self, session: Session, dossier: Dossier, loaded: LoadedVersion, workflow: Any, actor: Actor,
                    now: datetime, ready_before: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        """Create a task row for every step that became ready; mark the dossier resolved at the return step.

        ``ready_before`` are the route tasks that already had rows. Nothing is flushed
        mid-command, so the dossier row is written once, at commit.
        """
        known = ready_before
        created = []
        for step_id in route.ready_steps(workflow):
            if step_id in known:
                continue
            step = loaded.procedure.step(step_id)
            task = self.s.rows(session).add_task(self._task_row(dossier, loaded, step, True, now))
            created.append(task)
        finished = route.is_finished(workflow)
        reached_return = any(t.kind == "return" for t in created)
        if (reached_return or finished) and dossier.status in ("received", "processing"):
            dossier.result = "refused" if dossier.proposal == "refusal" else "approved"
            if dossier.status == "received":
                self._move(session, dossier, actor, "start_processing", now)
            self._move(session, dossier, actor, "resolve", now, extra={"result": dossier.result})
            dossier.resolved_at = now
        if created:
            record(session, dossier, actor, "tasks.ready", {}, {"tasks": [
                {"step": t.step_id, "role": t.role, "agency": t.agency_id, "due_at": t.due_at} for t in created
            ]}, now)
        if finished:
            dossier.route_state = None  # no return step left: the desk returns with return_result
        else:
            self._save_workflow(session, dossier, workflow)

    def _task_row(self, dossier: Dossier, loaded: LoadedVersion, step: Step, in_route: bool, now: datetime) -> Task:
        agency = self._step_agency(dossier, loaded, step)
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
            state="open",
            in_route=in_route,
            ready_at=now,
            due_at=self._step_due(step, now, loaded),
        ))

    def _step_agency(self, dossier: Dossier, loaded: LoadedVersion, step: Step) -> str:
        if step.kind in ("intake", "return") and step.role == "one_stop":
            return dossier.receiving_agency_id
        if step.agency is None or step.agency == loaded.procedure.agency:
            return dossier.agency_id  # follows a transfer of competence
        return step.agency

    def _variant(self, loaded: LoadedVersion, dossier: Dossier) -> Variant:
        return loaded.procedure.variant(dossier.variant or None)

    def _deadline(self, loaded: LoadedVersion, dossier: Dossier) -> Duration:
        return self._variant(loaded, dossier).deadline

    def _step_due(self, step: Step, ready_at: datetime, loaded: LoadedVersion) -> datetime | None:
        """A step's due time. Intake follows the 15:00 transfer rule, unless the approved
        process gives the intake step more than one working day (then its allowance)."""
        short = step.allowance is None or (step.allowance.is_working and step.allowance.working_hours() <= 8)
        if step.kind == "intake" and short:
            return self.s.calendar.intake_transfer_due(ready_at)
        if step.allowance is None:
            return None
        return self._add(ready_at, step.allowance.amount, step.allowance.unit, loaded)

    def _add(self, start: datetime, amount: Any, unit: str, loaded: LoadedVersion) -> datetime:
        return self.s.calendar.add(start, amount, unit, loaded.procedure.counting)

    def _shift(self, moment: datetime | None, requested_at: datetime | None, now: datetime, waited: int, unit: str) -> datetime | None:
        """Move a due time by the time spent waiting for a supplement (policy ``pause``)."""
        if moment is None:
            return None
        if unit == "calendar_days":
            return moment + (now - requested_at) if requested_at else moment
        return self.s.calendar.add_working_seconds(moment, waited) if waited else moment

    def _open_tasks(self, session: Session, dossier: Dossier) -> list[Task]:
        rows = self.s.rows(session)
        return [rows.task(dict(row)) for row in rows.conn.execute(_OPEN_TASKS, {"dossier_id": dossier.id}).mappings()]

    def _cancel_tasks(self, session: Session, dossier: Dossier, now: datetime) -> None:
        for task in self._open_tasks(session, dossier):
            task.state, task.completed_at = "cancelled", now

    def _snapshot(self, dossier: Dossier) -> dict[str, Any]:
        return {
            "code": dossier.code, "status": dossier.status, "procedure": dossier.procedure_code, "variant": dossier.variant,
            "procedure_version": dossier.procedure_version_id, "agency": dossier.agency_id,
            "channel": dossier.channel, "received_at": dossier.received_at, "due_at": dossier.due_at,
            "documents": [d["id"] for d in dossier.documents],
        }

    def _outbox(self, session: Session, dossier: Dossier | None, handler: str, payload: dict[str, Any], now: datetime) -> None:
        session.info["outbox_rows"].append({
            "handler": handler, "dossier_id": dossier.id if dossier else None, "payload": payload,
            "created_at": now, "available_at": now, "attempts": 0,
        })
        if self.s.settings.dispatch_outbox and not session.info.get("dispatch_queued"):
            from .outbox import run_messages

            session.info["dispatch_queued"] = True
            session.info["after_commit"].append(lambda: run_messages(self.s, session.info.get("outbox_ids", [])))


# ---------------------------------------------------------------------- helpers

def next_serial(session: Session, scope: str) -> int:
    """Atomically take the next number of a counter (dossier codes, form numbers)."""
    dialect = session.get_bind().dialect.name
    stmt = _SERIAL_UPSERT.get(dialect)
    if stmt is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        counters = Counter.__table__
        stmt = insert(counters).values(scope=bindparam("scope"), last=1)
        stmt = stmt.on_conflict_do_update(index_elements=[counters.c.scope], set_={"last": counters.c.last + 1}).returning(counters.c.last)
        _SERIAL_UPSERT[dialect] = stmt
    return int(session.connection().execute(stmt, {"scope": scope}).scalar_one())


_SERIAL_UPSERT: dict[str, Any] = {}


def lifecycle_error(dossier: Dossier, move: str) -> Exception:
    return lifecycle.illegal(dossier.code, dossier.status, move)


def _nonempty(values: Sequence[str], what: str) -> list[str]:
    cleaned = [str(v).strip() for v in values if str(v).strip()]
    if not cleaned:
        raise InvalidCommand(f"Thiếu {what}.")
    return cleaned


def _documents(documents: Sequence[dict[str, Any] | str], now: datetime, known: set[str] | None = None, supplement: bool = False) -> list[dict[str, Any]]:
    out = []
    for doc in documents:
        item = {"id": doc} if isinstance(doc, str) else dict(doc)
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


def _timeliness(done_at: datetime, due_at: datetime | None, calendar: Any) -> str | None:
    if due_at is None:
        return None
    if done_at > due_at:
        return "late"
    if done_at.astimezone(calendar.tz).date() < due_at.astimezone(calendar.tz).date():
        return "early"
    return "on_time"


def _classify(dossier: Dossier, services: Services) -> str | None:
    """II.06a: early / on time / late, against the statutory due time; an apology counts as late."""
    if dossier.extended_at is not None:
        return "late"
    return _timeliness(dossier.resolved_at or dossier.returned_at or services.now(), dossier.statutory_due_at, services.calendar)


def _local(moment: datetime | None, services: Services) -> str:
    return moment.astimezone(services.calendar.tz).strftime("%H:%M %d/%m/%Y") if moment else "—"


__all__ = ["Applicant", "Commands", "next_serial"]
