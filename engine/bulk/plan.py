"""From one exported record to the rows the engine would hold for that dossier.

A closed dossier becomes history: its row with its dates, result and timeliness,
completed task rows for the steps the export lists, and no running route. An open
one is placed at its current step: the route is started and the listed steps are
replayed on the procedure's version (so the engine can go on from there), the
steps now ready get open task rows, and the due time from the export keeps the
remaining clock. Each dossier opens its audit chain with one ``dossier.migrated``
event saying where it came from.

The version is the one in force on the day the dossier was received (the earliest
version when the catalogue has none that early: the event records which).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import route
from ..audit import record
from ..commands.intake import Applicant, snapshot
from ..commands.kernel import Kernel
from ..definitions import SUPPLEMENT_OUTCOME, Step
from ..errors import InvalidCommand
from ..events import DOSSIER_MIGRATED
from ..policy import SYSTEM
from ..services import LoadedVersion, Services
from ..storage.models import AgencyRow, ProcedureVersion
from ..storage.rows import new_row
from ..timeliness import timeliness
from ..vocabulary import Channel, Result, Status, StepKind, TaskState
from .source import Record, RowProblem, TakenStep, parse_steps, parse_time

# Statuses an import can place a dossier in. Open ones other than these (awaiting a
# supplement, a payment, a withdrawal) need the engine's own records of the request:
# the export does not carry them, so such rows are refused with the reason.
CLOSED = (Status.RETURNED, Status.STOPPED, Status.NOT_RECEIVED)
RUNNING = (Status.RECEIVED, Status.PROCESSING, Status.RESOLVED)


@dataclass
class Draft:
    """A dossier ready to be written, short of its id (given at writing)."""

    line: int
    dossier: dict[str, Any]
    tasks: list[dict[str, Any]]
    event: dict[str, Any]
    at: datetime
    steps: list[TakenStep] = field(default_factory=list)


class Planner:
    """Checks records against the catalogue and turns them into drafts (one per dossier)."""

    def __init__(self, services: Services, session: Session, source: str, now: datetime) -> None:
        self.s, self.session, self.source, self.now = services, session, source, now
        self.tz = services.calendar.tz
        self.kernel = Kernel(services, session, SYSTEM, now)
        self.agencies = set(session.execute(select(AgencyRow.id)).scalars())
        self.versions: dict[str, list[tuple[date | None, int, int]]] = {}
        for vid, code, version, effective in session.execute(
            select(ProcedureVersion.id, ProcedureVersion.code, ProcedureVersion.version, ProcedureVersion.effective_from)
        ):
            self.versions.setdefault(code, []).append((effective, version, vid))

    # ------------------------------------------------------------------ the record

    def draft(self, rec: Record) -> Draft:
        """The dossier's rows, or RowProblem naming what does not fit."""
        if "__error__" in rec.values:
            raise RowProblem(rec.values["__error__"])
        code = rec.text("code")
        if not code:
            raise RowProblem("thiếu mã hồ sơ ('code')")
        if len(code) > 60:
            raise RowProblem(f"mã hồ sơ dài quá 60 ký tự: '{code[:20]}…'")
        status = rec.text("status")
        if status not in CLOSED + RUNNING:
            known = ", ".join(CLOSED + RUNNING)
            if status in tuple(Status):
                raise RowProblem(f"trạng thái '{status}' chưa nhập được (cần hồ sơ yêu cầu gốc); nhập được: {known}")
            raise RowProblem(f"trạng thái không hợp lệ '{status}' (nhập được: {known})")
        channel = rec.text("channel") or Channel.DIRECT
        if channel not in tuple(Channel):
            raise RowProblem(f"hình thức nộp không hợp lệ '{channel}' ({', '.join(Channel)})")
        received = parse_time(rec.values.get("received"), "received", self.tz)
        if received is None:
            raise RowProblem("thiếu thời điểm tiếp nhận ('received')")
        loaded, fallback = self._version(rec.text("procedure"), received)
        procedure = loaded.procedure
        try:
            case = procedure.variant(rec.text("variant") or None)
        except KeyError as choices:
            raise RowProblem(f"thủ tục {procedure.code}: cần 'variant' là một trong: {choices.args[0]}") from None
        applicant = self._applicant(rec)
        receiving = rec.text("agency") or procedure.agency
        if receiving not in self.agencies:
            raise RowProblem(f"cơ quan tiếp nhận không có trong danh mục: '{receiving}'")
        times = {k: parse_time(rec.values.get(k), k, self.tz) for k in ("due", "resolved", "returned")}
        due = times["due"]
        if due is None and status != Status.NOT_RECEIVED:
            deadline = case.deadline
            due = self.s.calendar.add(received, deadline.amount, deadline.unit, procedure.counting)
        self._check_order(received, due, times["resolved"], times["returned"], status)
        result = rec.text("result") or None
        if result is not None and result not in tuple(Result):
            raise RowProblem(f"kết quả không hợp lệ '{result}' ({', '.join(Result)})")
        steps = parse_steps(rec.values.get("steps"), self.tz)
        dossier: dict[str, Any] = dict(
            code=code, procedure_version_id=loaded.row_id, procedure_code=procedure.code, variant=case.id,
            agency_id=procedure.agency, receiving_agency_id=receiving, channel=channel, status=status,
            result=None, proposal=None, applicant=applicant, documents=[], registered_at=received,
            received_at=None if status == Status.NOT_RECEIVED else received,
            statutory_due_at=due, due_at=due, supplement_count=0, resolved_at=times["resolved"],
            returned_at=times["returned"], timeliness=None, route_state=None, version=1,
        )
        if status in (Status.RETURNED, Status.RESOLVED):
            dossier["result"] = result or Result.APPROVED
        obj = new_row_dossier(dossier)
        if status in RUNNING:
            tasks = self._running(obj, loaded, steps, received, status)
            dossier["route_state"] = obj.route_state
        else:
            tasks = self._history(obj, loaded, steps, received)
        if status == Status.RETURNED:
            done = times["resolved"] or times["returned"]
            dossier["timeliness"] = timeliness(done, due, self.tz) if done else None
        event = snapshot(obj) | {
            "source": f"{self.source}#{code}", "line": rec.line, "resolved_at": times["resolved"],
            "returned_at": times["returned"], "result": dossier["result"], "timeliness": dossier["timeliness"],
            "steps": [[t.step, t.outcome, t.at] for t in steps],
            "tasks": [t["step_id"] for t in tasks if t["state"] == TaskState.OPEN],
        }
        if fallback:
            event["source"] += f" (phiên bản {loaded.version}: thủ tục chưa có hiệu lực ngày tiếp nhận)"
        return Draft(rec.line, dossier, tasks, event, self.now, steps)

    def _version(self, code: str, received: datetime) -> tuple[LoadedVersion, bool]:
        if not code:
            raise RowProblem("thiếu mã thủ tục ('procedure')")
        versions = self.versions.get(code)
        if not versions:
            raise RowProblem(f"không có thủ tục mã '{code}' trong danh mục")
        day = received.astimezone(self.tz).date()
        in_force = [v for v in versions if v[0] is None or v[0] <= day]
        if in_force:
            chosen, fallback = max(in_force, key=lambda v: (v[0] or date.min, v[1])), False
        else:
            chosen, fallback = min(versions, key=lambda v: (v[0] or date.min, v[1])), True
        return self.s.version(self.session, chosen[2]), fallback

    @staticmethod
    def _applicant(rec: Record) -> dict[str, str]:
        raw = rec.values.get("applicant")
        data: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {"name": rec.text("applicant")}
        for key, column in (("id_number", "applicant_id"), ("phone", "applicant_phone")):
            if rec.text(column):
                data.setdefault(key, rec.text(column))
        try:
            return Applicant.from_dict(data).as_dict()
        except InvalidCommand:
            raise RowProblem("thiếu tên người nộp hồ sơ ('applicant')") from None

    def _check_order(self, received: datetime, due: datetime | None, resolved: datetime | None,
                     returned: datetime | None, status: str) -> None:
        for name, moment in (("received", received), ("resolved", resolved), ("returned", returned)):
            if moment is not None and moment > self.now:
                raise RowProblem(f"'{name}' ở tương lai ({moment.astimezone(self.tz):%d/%m/%Y %H:%M})")
        if due is not None and due < received:
            raise RowProblem("hạn trả kết quả ('due') trước thời điểm tiếp nhận")
        if resolved is not None and resolved < received:
            raise RowProblem("'resolved' trước thời điểm tiếp nhận")
        if returned is not None and returned < (resolved or received):
            raise RowProblem("'returned' trước thời điểm giải quyết xong hoặc tiếp nhận")
        if status == Status.RETURNED and returned is None:
            raise RowProblem("hồ sơ đã trả kết quả cần 'returned'")
        if status == Status.RESOLVED and resolved is None:
            raise RowProblem("hồ sơ đã giải quyết xong cần 'resolved'")
        if status in (Status.RECEIVED, Status.PROCESSING) and (resolved or returned):
            raise RowProblem(f"hồ sơ đang xử lý ('{status}') không có 'resolved' hay 'returned'")

    # ------------------------------------------------------------------ steps

    def _step(self, loaded: LoadedVersion, taken: TakenStep, index: int) -> tuple[Step, str]:
        try:
            step = loaded.procedure.step(taken.step)
        except KeyError:
            raise RowProblem(f"bước thứ {index} '{taken.step}' không có trong quy trình thủ tục {loaded.code}") from None
        outcome = taken.outcome or next(iter(step.outcomes))
        if outcome == SUPPLEMENT_OUTCOME:
            raise RowProblem(f"bước thứ {index} '{taken.step}': kết quả yêu cầu bổ sung chưa nhập được")
        if outcome not in step.outcomes:
            raise RowProblem(f"bước thứ {index} '{taken.step}' không có kết quả '{outcome}' (có: {', '.join(step.outcomes)})")
        return step, outcome

    def _done(self, dossier: Any, loaded: LoadedVersion, steps: list[TakenStep], received: datetime) -> list[dict[str, Any]]:
        """Completed task rows for the steps taken (history), each ready when the one before it ended."""
        rows = []
        ready = received
        for index, taken in enumerate(steps, start=1):
            step, outcome = self._step(loaded, taken, index)
            if taken.at is not None and taken.at < ready:
                raise RowProblem(f"bước thứ {index} '{taken.step}' kết thúc trước bước trước đó hoặc trước khi tiếp nhận")
            self.kernel.now = ready
            task = vars(self.kernel.task_row(dossier, loaded, step, True))
            task.pop("_sa_instance_state", None)
            task.update(state=TaskState.COMPLETED, outcome=outcome, completed_at=taken.at, completed_by=taken.by,
                        claimed_by=taken.by, claimed_at=None,
                        timeliness=timeliness(taken.at, task["due_at"], self.tz) if taken.at else None)
            rows.append(task)
            ready = taken.at or ready
        return rows

    def _history(self, dossier: Any, loaded: LoadedVersion, steps: list[TakenStep], received: datetime) -> list[dict[str, Any]]:
        return self._done(dossier, loaded, steps, received)

    def _running(self, dossier: Any, loaded: LoadedVersion, steps: list[TakenStep], received: datetime,
                 status: str) -> list[dict[str, Any]]:
        """Replay the steps on the route; open task rows for the steps now ready."""
        rows = self._done(dossier, loaded, steps, received)
        live = route.start(loaded.spec, dossier.variant)
        for index, (taken, row) in enumerate(zip(steps, rows, strict=True), start=1):
            if taken.step not in route.ready_steps(live):
                ready = ", ".join(route.ready_steps(live)) or "không còn bước nào"
                raise RowProblem(f"bước thứ {index} '{taken.step}' chưa đến lượt trong quy trình (đang chờ: {ready})")
            route.complete(live, taken.step, row["outcome"])
        ready_at = steps[-1].at if steps and steps[-1].at else received
        self.kernel.now = ready_at
        current = []
        for step_id in route.ready_steps(live):
            task = vars(self.kernel.task_row(dossier, loaded, loaded.procedure.step(step_id), True))
            task.pop("_sa_instance_state", None)
            current.append(task)
        at_return = route.is_finished(live) or any(t["kind"] == StepKind.RETURN for t in current)
        if status == Status.RESOLVED and not at_return:
            raise RowProblem("trạng thái 'resolved' nhưng các bước đã làm chưa đến bước trả kết quả")
        if status != Status.RESOLVED and at_return:
            raise RowProblem(f"các bước đã làm đã đến bước trả kết quả, nhưng trạng thái là '{status}' (cần 'resolved')")
        dossier.route_state = None if route.is_finished(live) else route.dump(live)
        return rows + current

    # ------------------------------------------------------------------ the audit event

    def event(self, draft: Draft, dossier_id: int) -> dict[str, Any]:
        """The dossier's first audit event (its chain's head goes on the dossier row)."""
        obj = new_row_dossier(draft.dossier | {"id": dossier_id, "audit_seq": 0, "audit_head": ""})
        row = record(self.session, obj, SYSTEM, DOSSIER_MIGRATED, {}, draft.event, draft.at)
        draft.dossier.update(id=dossier_id, audit_seq=obj.audit_seq, audit_head=obj.audit_head)
        for task in draft.tasks:
            task["dossier_id"] = dossier_id
        return row


def new_row_dossier(values: dict[str, Any]) -> Any:
    from ..storage.models import Dossier

    return new_row(Dossier, dict(values))


__all__ = ["CLOSED", "RUNNING", "Draft", "Planner"]
