"""Conformance of a dossier to the version of its procedure it is pinned to (ISO 9001 8.5, 8.7).

The check reads only the record: the dossier's audit chain (what was done, by whom, when),
its issued forms, the accounts (agency and division of who acted) and the pinned version's
definition. It names each deviation with its kind, the step, the evidence (audit event ids)
and a severity, and replays the chain on the version's route as a token game:

- the route is the net the version's BPMN is compiled from: a place before each step, one
  transition per (step, outcome) leading to the outcome's target; the variant chosen at
  receipt marks the first step;
- each completed step consumes the token before it and produces one before its target; a
  step completed without a token there was skipped to or done out of order (a *missing*
  token); tokens left when the dossier closed are steps never done (*remaining*);
- a refusal after appraisal or a withdrawal ends the route by the law's own exits (the
  engine cancels the open steps): their tokens are *cancelled*, not remaining.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions import END, SUPPLEMENT_OUTCOME, Procedure, Step
from ..events import NONCONFORMITIES
from ..storage.accounts import User
from ..storage.models import AuditEvent, Dossier, IssuedForm
from ..vocabulary import CLOSED_STATUSES, Result, Role, Status, StepKind

MAJOR, MINOR = "major", "minor"
SEVERITIES = {MAJOR: "Nghiêm trọng", MINOR: "Nhẹ"}

# kind -> (Vietnamese label, severity)
KINDS: dict[str, tuple[str, str]] = {
    "wrong_actor": ("Bước do vai trò, phòng hoặc cơ quan không được quy trình cho phép thực hiện", MAJOR),
    "route_order": ("Bước bị bỏ qua hoặc làm sai thứ tự quy trình", MAJOR),
    "route_unfinished": ("Hồ sơ kết thúc khi còn bước của quy trình chưa làm", MAJOR),
    "step_late": ("Bước quá thời gian cho phép", MINOR),
    "checkpoint_missing": ("Nội dung kiểm tra bắt buộc chưa được xác nhận", MAJOR),
    "form_missing": ("Biểu mẫu của bước chưa được lập", MINOR),
    "second_supplement": ("Yêu cầu bổ sung hồ sơ lần thứ hai", MAJOR),
    "apology_late": ("Phiếu xin lỗi gửi muộn hơn 01 ngày làm việc trước hạn", MAJOR),
    "apology_missing": ("Hồ sơ trễ hạn không có phiếu xin lỗi, hẹn lại", MAJOR),
    "refusal_without_decision": ("Từ chối giải quyết không có quyết định của lãnh đạo", MAJOR),
    "result_late": ("Trả kết quả trễ hạn", MAJOR),
    "closed_without_result": ("Hồ sơ kết thúc không có kết quả hoặc thông báo", MAJOR),
    "recorded_nonconformity": ("Sự kiện được ghi nhận là không phù hợp", MAJOR),
}
# Forms the engine itself issues (handlers/forms.py); a step's other forms (the result, a
# transfer note) are documents of the agency the record cannot see, so they are not checked.
ENGINE_FORMS = frozenset({"receipt", "supplement_request", "refusal", "refusal_decision", "apology", "stop_notice",
                          "closure_notice"})
# Events the commands record as an allowed exception that is a nonconformity (engine.events.NONCONFORMITIES),
# by the deviation kind they are evidence of; any other such kind is a ``recorded_nonconformity``.
RECORDED = {"nonconformity.second_supplement": "second_supplement", "nonconformity.late_apology": "apology_late"}
LEADERS = frozenset({Role.DIRECTOR})


@dataclass(frozen=True)
class Deviation:
    kind: str
    step: str | None
    evidence: tuple[int, ...]
    detail: str = ""

    @property
    def severity(self) -> str:
        return KINDS[self.kind][1]

    @property
    def label(self) -> str:
        return KINDS[self.kind][0]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "step": self.step, "evidence": list(self.evidence),
                "severity": self.severity, "detail": self.detail}


@dataclass
class Tokens:
    produced: int = 0
    consumed: int = 0
    missing: int = 0
    remaining: int = 0
    cancelled: int = 0

    @property
    def fitness(self) -> float:
        """The token-replay fitness of van der Aalst: 1 when nothing is missing or remaining."""
        if not self.consumed and not self.produced:
            return 1.0
        return round(0.5 * (1 - self.missing / max(self.consumed, 1)) + 0.5 * (1 - self.remaining / max(self.produced, 1)), 4)


@dataclass
class Report:
    dossier_id: int
    code: str
    procedure_code: str
    procedure_version_id: int
    agency_id: str
    status: str
    closed: bool
    deviations: list[Deviation] = field(default_factory=list)
    tokens: Tokens = field(default_factory=Tokens)
    trace: list[str] = field(default_factory=list)  # the steps completed, in order (what the export calls activities)
    closed_at: datetime | None = None

    @property
    def conforming(self) -> bool:
        return not self.deviations

    @property
    def route_fits(self) -> bool:
        return not any(d.kind in ("route_order", "route_unfinished") for d in self.deviations)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dossier_id": self.dossier_id, "code": self.code, "procedure_code": self.procedure_code,
            "procedure_version_id": self.procedure_version_id, "agency_id": self.agency_id, "status": self.status,
            "closed": self.closed, "conforming": self.conforming, "route_fits": self.route_fits,
            "deviations": [d.as_dict() for d in self.deviations],
            "tokens": asdict(self.tokens) | {"fitness": self.tokens.fitness}, "trace": self.trace,
        }


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]


WorkingSeconds = Callable[[datetime, datetime], int]


class Net:
    """The token game on a variant's route."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = {s.id: s for s in steps}
        self.marking: dict[str, int] = {steps[0].id: 1} if steps else {}
        self.tokens = Tokens(produced=1 if steps else 0)
        self.ended = False

    def fire(self, step_id: str, outcome: str) -> bool:
        """Complete ``step_id`` with ``outcome``; False if it had no token (one is counted missing)."""
        ok = self.marking.get(step_id, 0) > 0
        if ok:
            self.marking[step_id] -= 1
        else:
            self.tokens.missing += 1
        self.tokens.consumed += 1
        step = self.steps.get(step_id)
        target = step.outcomes.get(outcome, END) if step is not None else END
        if target == SUPPLEMENT_OUTCOME:
            target = step_id
        self.tokens.produced += 1
        self.marking[target] = self.marking.get(target, 0) + 1
        if target == END:
            self.ended = True
        return ok

    def cancel(self, keep: str | None = None) -> None:
        """The law's exit (refusal, withdrawal): the open steps' tokens are cancelled; ``keep`` gets one."""
        for place, count in self.marking.items():
            if place != END:
                self.tokens.cancelled += count
                self.tokens.consumed += count
        self.marking = {place: n for place, n in self.marking.items() if place == END}
        if keep is not None:
            self.marking[keep] = 1
            self.tokens.produced += 1

    def open_places(self) -> list[str]:
        return [p for p, n in self.marking.items() if n > 0 and p != END]

    def close(self) -> None:
        """The dossier closed: what is left before a step is remaining; the end token is consumed."""
        for place in self.open_places():
            self.tokens.remaining += self.marking[place]
        ended = self.marking.pop(END, 0)
        self.tokens.consumed += ended


def check(session: Session, dossier: Dossier, procedure: Procedure, working_seconds: WorkingSeconds,
          seconds_per_day: int) -> Report:
    """The conformance report of one dossier against ``procedure`` (its pinned version)."""
    events = [Event(e.id, e.at, e.actor, e.role, e.action, e.before or {}, e.after or {}) for e in session.execute(
        select(AuditEvent).where(AuditEvent.dossier_id == dossier.id, AuditEvent.chain == dossier.code).order_by(AuditEvent.seq)
    ).scalars()]
    forms: dict[str, int] = {}
    for (name,) in session.execute(select(IssuedForm.form).where(IssuedForm.dossier_id == dossier.id)):
        forms[name] = forms.get(name, 0) + 1
    people = {u.id: u for u in session.execute(select(User).where(User.id.in_({e.actor for e in events}))).scalars()}
    return assess(dossier, procedure, events, forms, people, working_seconds, seconds_per_day)


def assess(dossier: Any, procedure: Procedure, events: Sequence[Event], forms: dict[str, int], people: dict[str, Any],
           working_seconds: WorkingSeconds, seconds_per_day: int) -> Report:
    """The check on plain values (``check`` reads them)."""
    closed = dossier.status in CLOSED_STATUSES or dossier.status not in {s.value for s in Status}
    report = Report(dossier.id, dossier.code, dossier.procedure_code, dossier.procedure_version_id, dossier.agency_id,
                    dossier.status, closed)
    out = report.deviations
    try:
        variant = procedure.variant(dossier.variant or None)
    except KeyError:
        variant = procedure.variants[0]
    steps = {s.id: s for s in variant.steps}
    started = any(e.action in ("dossier.received", "status.receive", "dossier.migrated") for e in events)
    net = Net(variant.steps) if started else None
    step_agency: dict[str, str] = {}
    supplements: list[Event] = []
    leader_decided = False
    stop_event: Event | None = None
    refusal: Event | None = None
    refused_by_command = False
    recorded: list[Event] = []
    closure_event: Event | None = None
    extensions: list[Event] = []
    close_event: Event | None = None

    for e in events:
        a = e.after
        if e.action in NONCONFORMITIES:
            recorded.append(e)
        if e.action == "dossier.migrated":  # another system's history: its steps, without who did them
            for step_id, outcome, _at in a.get("steps") or []:
                report.trace.append(step_id)
                if net is not None and step_id in steps and not net.fire(step_id, outcome):
                    out.append(Deviation("route_order", step_id, (e.id,), "bước chưa đến lượt theo quy trình (thiếu token)"))
        elif e.action == "tasks.ready":
            for t in a.get("tasks", []):
                step_agency[t.get("step")] = t.get("agency")
        elif e.action == "step.completed":
            step_id, outcome = str(a.get("step")), str(a.get("outcome"))
            step = steps.get(step_id)
            if step is None:
                out.append(Deviation("route_order", step_id, (e.id,), f"bước '{step_id}' không có trong quy trình của phiên bản"))
                continue
            report.trace.append(step_id)
            _actor(out, e, step, step_agency.get(step_id), people.get(e.actor))
            if outcome != SUPPLEMENT_OUTCOME:
                missing = sorted(step.required_checkpoints - set(a.get("checkpoints") or ()))
                if missing:
                    out.append(Deviation("checkpoint_missing", step_id, (e.id,), "chưa xác nhận: " + ", ".join(missing)))
                if a.get("timeliness") == "late":
                    out.append(Deviation("step_late", step_id, (e.id,), "hoàn thành sau thời hạn của bước"))
                for form in step.forms:
                    if form in ENGINE_FORMS and not forms.get(form):
                        out.append(Deviation("form_missing", step_id, (e.id,), f"chưa lập biểu mẫu '{form}'"))
                if e.role in LEADERS and outcome not in ("send_back",):
                    leader_decided = True
                if net is not None:
                    after_refusal = refusal is not None and step.kind == StepKind.RETURN
                    if not net.fire(step_id, outcome) and not after_refusal:
                        out.append(Deviation("route_order", step_id, (e.id,),
                                             "bước chưa đến lượt theo quy trình (thiếu token); đang chờ: "
                                             + (", ".join(net.open_places()) or "không bước nào")))
        elif e.action == "status.request_supplement":
            if e.before.get("status") != Status.REGISTERED:
                supplements.append(e)
        elif e.action == "dossier.extended":
            extensions.append(e)
            due = e.before.get("due_at")
            if due and working_seconds(e.at, _moment(due)) < seconds_per_day:
                out.append(Deviation("apology_late", None, (e.id,), "gửi phiếu xin lỗi muộn hơn 01 ngày làm việc trước hạn"))
        elif e.action == "status.resolve" and a.get("result") == Result.REFUSED:
            refusal = e
            # Refused by the Refuse command (the route had not reached the return step): the law's exit.
            refused_by_command = net is None or StepKind.RETURN not in {steps[p].kind for p in net.open_places() if p in steps}
            if net is not None and refused_by_command:
                ret = next((s.id for s in variant.steps if s.kind == StepKind.RETURN), None)
                net.cancel(keep=ret)
        elif e.action == "status.stop":
            stop_event = e
            if net is not None:
                net.cancel()
        elif e.action == "status.close_unsupplemented":  # the applicant did not supplement in time: the law's exit
            closure_event = e
            if net is not None:
                net.cancel()
        if e.action in ("status.return_result", "status.stop", "status.close_unsupplemented", "dossier.refused_at_intake"):
            close_event = e

    for extra in supplements[1:]:
        out.append(Deviation("second_supplement", None, (supplements[0].id, extra.id), "đã yêu cầu bổ sung trước đó"))
    _merge_recorded(out, recorded)
    if refusal is not None and not leader_decided and refusal.role not in LEADERS:
        out.append(Deviation("refusal_without_decision", None, (refusal.id,),
                             f"từ chối do {refusal.actor} ({refusal.role}), không có bước phê duyệt của lãnh đạo"))
    decided_at = dossier.resolved_at or dossier.returned_at
    if decided_at is not None and dossier.due_at is not None and decided_at > dossier.due_at:
        evidence = tuple(e.id for e in events if e.action in ("status.resolve", "status.return_result"))
        out.append(Deviation("result_late", None, evidence, "giải quyết xong sau hạn trả kết quả"))
    statutory = dossier.statutory_due_at
    if decided_at is not None and statutory is not None and decided_at > statutory and not extensions:
        evidence = tuple(e.id for e in events if e.action in ("status.resolve", "status.return_result"))
        out.append(Deviation("apology_missing", None, evidence, "trễ hạn mà không gửi phiếu xin lỗi, hẹn lại"))
    if closed and close_event is not None:
        if dossier.status == Status.RETURNED and not dossier.result:
            out.append(Deviation("closed_without_result", None, (close_event.id,), "đã trả mà không có kết quả"))
        if refusal is not None and not (forms.get("refusal_decision") or forms.get("refusal")):
            out.append(Deviation("closed_without_result", None, (refusal.id,), "từ chối mà chưa lập thông báo từ chối"))
        if stop_event is not None and not forms.get("stop_notice"):
            out.append(Deviation("closed_without_result", None, (stop_event.id,), "dừng xử lý mà chưa lập thông báo"))
        if closure_event is not None and not forms.get("closure_notice"):
            out.append(Deviation("closed_without_result", None, (closure_event.id,),
                                 "đóng hồ sơ do không bổ sung mà chưa lập thông báo"))
    if closed and close_event is not None:
        report.closed_at = close_event.at
    if net is not None and closed:
        net.close()
        if dossier.status == Status.RETURNED and net.tokens.remaining and close_event is not None:
            out.append(Deviation("route_unfinished", None, (close_event.id,),
                                 "còn bước chưa làm: " + ", ".join(net.open_places())))
    if net is not None:
        report.tokens = net.tokens
    return report


def _merge_recorded(out: list[Deviation], recorded: Sequence[Event]) -> None:
    """Events recorded as nonconformities: their id joins the evidence of the deviation the check found of
    the same kind (the n-th recorded one with the n-th found, in order), or they make a deviation of their own."""
    merged: set[int] = set()
    for e in recorded:
        kind = RECORDED.get(e.action, "recorded_nonconformity")
        detail = str(e.after.get("reason") or "") if kind != "recorded_nonconformity" else e.action
        match = next((i for i, d in enumerate(out) if d.kind == kind and i not in merged and kind != "recorded_nonconformity"), None)
        if match is None:
            out.append(Deviation(kind, e.after.get("step"), (e.id,), detail))
            merged.add(len(out) - 1)
        else:
            d = out[match]
            out[match] = Deviation(kind, d.step, (*d.evidence, e.id), "; ".join(x for x in (d.detail, detail) if x))
            merged.add(match)


def _actor(out: list[Deviation], e: Event, step: Step, agency: str | None, person: Any) -> None:
    """The step's role, agency and division against who completed it."""
    problems = []
    if e.role != step.role:
        problems.append(f"vai trò {e.role} thay cho {step.role}")
    if person is not None:
        if agency and person.agency_id and person.agency_id != agency:
            problems.append(f"cán bộ của {person.agency_id}, bước thuộc {agency}")
        if step.division and person.division and person.division != step.division and (not agency or agency == person.agency_id):
            problems.append(f"cán bộ phòng {person.division}, bước thuộc phòng {step.division}")
    if problems:
        out.append(Deviation("wrong_actor", step.id, (e.id,), f"{e.actor}: " + "; ".join(problems)))


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))





def check_dossier(services: Any, session: Session, dossier: Dossier) -> Report:
    """``check`` with the pinned version and the working calendar taken from ``services``."""
    procedure = services.version(session, dossier.procedure_version_id).procedure
    calendar = services.calendar
    return check(session, dossier, procedure, calendar.working_seconds_between, calendar.seconds_per_day)
__all__ = ["KINDS", "MAJOR", "MINOR", "SEVERITIES", "Deviation", "Report", "Tokens", "assess", "check", "check_dossier"]
