"""Who may see and do what: the one access policy.

Commands ask it before they change anything, queries take their visibility
clauses from it, and pages ask :func:`allowed_actions` which buttons to show.
No other module states a role rule.

The rules, in words:

- The engine itself may do anything. An administrator reads every dossier but,
  by separation of duties, acts on one (its steps or as a whole) only in another's
  place under a recorded "act as" (làm thay) with a reason, on that dossier, for
  a limited time (``engine.acting``): the actor then carries the dossier's code in
  ``acts_on``, and the act-as event is on the dossier's timeline. An administrator
  never receives a dossier. An analyst and a quality officer read every dossier and
  act on none of their steps.
- A dossier is seen by the people of its competent agency, of the agency
  that received it, and of any agency that holds an open step of it.
- A step is taken by its role at its agency; a step of a division only by
  the people of that division (a division the agency does not declare, left
  by a transfer of competence, binds no one).
- A dossier as a whole (refuse, supplement, apology, return...) is acted on
  by the roles of the action, at one of the agencies that see it; an
  appraiser who belongs to a division only while one of the dossier's open
  steps at their agency is their division's or no division's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, bindparam, literal, or_, select, true

from . import lifecycle
from .errors import Forbidden
from .labels import role_label
from .vocabulary import ACTIVE_TASK_STATES, CLOSED_STATUSES, Role, Status, TaskState


@dataclass(frozen=True)
class Actor:
    """Who does something: a user id, a role, the agency (and division) they work for."""

    id: str
    role: str
    agency: str | None = None
    name: str = ""
    unit: str | None = None  # the division id (workflows/agencies.yaml); None: not in a division
    acts_on: frozenset[str] = frozenset()  # an administrator's dossiers under a recorded "act as" (engine.acting)


SYSTEM = Actor("system", Role.SYSTEM)

PRIVILEGED = frozenset({Role.ADMINISTRATOR, Role.SYSTEM})
SEE_ALL = PRIVILEGED | {Role.ANALYST}
READ_ONLY = frozenset({Role.QUALITY_OFFICER, Role.ANALYST})  # read, never act on a dossier's steps
DESK = frozenset({Role.ONE_STOP})
APPRAISERS = frozenset({Role.SPECIALIST, Role.DIVISION_HEAD, Role.DIRECTOR})
LEADERS = frozenset({Role.DIVISION_HEAD, Role.DIRECTOR})


def _sources(move: str) -> frozenset[str]:
    """The statuses from which the status machine allows ``move``."""
    return frozenset(s for s in lifecycle.STATUSES if lifecycle.destination(s, move))


@dataclass(frozen=True)
class Rule:
    """Who may take a dossier-level action, and in which statuses (None: any)."""

    roles: frozenset[str]
    statuses: frozenset[str] | None = None
    label: str = ""


# Actions on a dossier as a whole. Statuses follow the status machine where the
# action is one of its moves; refuse and extend are the law's own limits.
ACTIONS: dict[str, Rule] = {
    "receive": Rule(DESK, label="tiếp nhận hồ sơ"),
    "request_supplement": Rule(DESK | APPRAISERS, _sources("request_supplement"), "yêu cầu bổ sung hồ sơ"),
    "receive_supplement": Rule(DESK, frozenset({Status.AWAITING_SUPPLEMENT}), "nhận hồ sơ bổ sung"),
    "withdraw": Rule(DESK, _sources("request_withdrawal"), "rút hồ sơ"),
    # Until the result is returned; never while the applicant is being waited for (no clock runs then).
    "extend": Rule(DESK | APPRAISERS, frozenset({Status.RECEIVED, Status.PROCESSING, Status.AWAITING_PAYMENT,
                                                 Status.RESOLVED}), "hẹn lại ngày trả kết quả"),
    # Refusal after appraisal is the leader's decision (LEGAL.md §4): a specialist proposes it on the route
    # (propose_refusal), the route's leader step decides. Only the head of the agency refuses directly (audited).
    "refuse": Rule(frozenset({Role.DIRECTOR}), frozenset({Status.PROCESSING, Status.AWAITING_SUPPLEMENT}),
                   "từ chối giải quyết (quyết định của lãnh đạo cơ quan)"),
    "return_result": Rule(DESK, _sources("return_result"), "trả kết quả"),
    # Only the engine itself (the scheduler) or an administrator: when the waiting period has run out.
    "close_unsupplemented": Rule(frozenset(), frozenset({Status.AWAITING_SUPPLEMENT}), "đóng hồ sơ quá hạn bổ sung"),
    "calendar": Rule(frozenset(), label="điều chỉnh lịch làm việc"),  # administrators only (PRIVILEGED)
    "transfer_competence": Rule(frozenset({Role.ANALYST}),
                                frozenset(lifecycle.STATUSES) - frozenset(CLOSED_STATUSES), "chuyển thẩm quyền"),
    # Statistics (engine/reports): leaders, quality and control officers; the desk keeps its tracking ledger.
    "view_reports": Rule(LEADERS | READ_ONLY, label="xem báo cáo thống kê"),
    "view_ledger": Rule(LEADERS | READ_ONLY | DESK, label="xem sổ theo dõi hồ sơ"),
    # Not on a dossier: writing definitions (drafts, validation, publishing by a decision) in the analyst's workbench.
    "author": Rule(frozenset({Role.ANALYST}), label="soạn và công bố định nghĩa thủ tục"),
    # An administrator records that they act in another's place on one dossier, with a reason.
    "act_as": Rule(frozenset({Role.ADMINISTRATOR}), label="làm thay trên hồ sơ (quản trị viên)"),
}
# actions no dossier page offers as a button (act_as has its own form on the page, for administrators)
NOT_ON_A_PAGE = ("receive", "transfer_competence", "close_unsupplemented", "author", "act_as", "calendar", "view_reports", "view_ledger")
# What an administrator may do on the console (users, tokens, sessions): no one else.
ADMINISTRATION = Rule(frozenset({Role.ADMINISTRATOR}), label="quản trị tài khoản")
NOT_FOR_ADMINISTRATORS = frozenset({"receive"})  # no dossier yet, so no "act as" can cover it


def require_administrator(actor: Actor) -> None:
    """Raise Forbidden unless ``actor`` is an administrator (the console's rule)."""
    if actor.role not in ADMINISTRATION.roles:
        raise Forbidden(f"Chỉ quản trị viên được dùng chức năng này ({ADMINISTRATION.label}).")


def _acting_as(actor: Actor, code: str | None) -> None:
    """Separation of duties: an administrator acts on a dossier only under a recorded "act as" on it."""
    if actor.role == Role.ADMINISTRATOR and (code is None or code not in actor.acts_on):
        raise Forbidden(
            f"Quản trị viên không xử lý hồ sơ{' ' + code if code else ''} thay cán bộ. Nếu thật cần, hãy ghi "
            "'làm thay' kèm lý do trên trang hồ sơ: việc làm thay được ghi vào nhật ký và hiện trên hồ sơ.",
            dossier=code or "",
        )


def report_scope(actor: Actor, agency: str | None) -> str | None:
    """The agency a report of ``actor`` may cover: any (None = all) for administrators and analysts,
    else only the actor's own agency (asking for another is refused)."""
    if actor.role in SEE_ALL:
        return agency or None
    if agency and agency != actor.agency:
        raise Forbidden(f"Bạn chỉ xem được số liệu của cơ quan mình ({actor.agency or 'không thuộc cơ quan nào'}).")
    return actor.agency


def require(actor: Actor, action: str) -> None:
    """Raise Forbidden unless the actor's role may take ``action`` (see :data:`ACTIONS`)."""
    rule = ACTIONS[action]
    if actor.role == Role.ADMINISTRATOR and action in NOT_FOR_ADMINISTRATORS:
        raise Forbidden(f"Quản trị viên không {rule.label or action}: việc này của cán bộ một cửa.", action=action)
    if actor.role not in rule.roles | PRIVILEGED:
        raise Forbidden(f"Vai trò '{role_label(actor.role)}' không được dùng chức năng này ({rule.label or action}).",
                        action=action)


# The quality officer's records (issue 10): conformance checks, nonconformities, internal audits, targets.
QUALITY = frozenset({Role.QUALITY_OFFICER}) | PRIVILEGED


def require_quality(actor: Actor, what: str) -> None:
    """Raise Forbidden unless the actor keeps the quality records (quality officer, administrator)."""
    if actor.role not in QUALITY:
        raise Forbidden(f"Chỉ cán bộ quản lý chất lượng (ISO) được {what}.", action=what)


def may_implement(actor: Actor, owner: str | None) -> bool:
    """A corrective action is reported done by its owner or by the quality officer."""
    return actor.role in QUALITY or (owner is not None and actor.id == owner)


def status_allows(action: str, status: str) -> bool:
    statuses = ACTIONS[action].statuses
    return statuses is None or status in statuses


# ---------------------------------------------------------------------- steps

class StepLike(Protocol):
    name: str
    role: str
    agency_id: str
    division: str | None


DivisionName = Callable[[str, str], "str | None"]
"""``(agency, division) -> name``, or None when the agency declares no such division."""


def check_step(actor: Actor, task: StepLike, division_name: DivisionName, dossier_code: str | None = None) -> None:
    """Raise Forbidden unless ``actor`` may take this step (role, agency, division) of dossier ``dossier_code``."""
    if actor.role in PRIVILEGED:
        _acting_as(actor, dossier_code)
        return
    if actor.role != task.role or (actor.agency is not None and actor.agency != task.agency_id):
        raise Forbidden(f"Việc '{task.name}' dành cho vai trò '{task.role}' của cơ quan '{task.agency_id}'.")
    if task.division is not None and actor.unit != task.division:
        division = division_name(task.agency_id, task.division)
        if division is not None:
            raise Forbidden(
                f"Việc '{task.name}' thuộc {division}: chỉ cán bộ của phòng này được nhận và xử lý; "
                f"bạn không thuộc {division}.",
                division=task.division,
            )


def check_assign(actor: Actor, task: StepLike, division_name: DivisionName) -> None:
    """Raise Forbidden unless ``actor`` may give this step to someone (phân công): the head of the
    step's division (any head of the agency when the step has no declared division) or the
    agency's director."""
    if actor.role in PRIVILEGED:
        return
    if actor.agency != task.agency_id or actor.role not in (Role.DIVISION_HEAD, Role.DIRECTOR):
        raise Forbidden(f"Chỉ lãnh đạo phòng hoặc lãnh đạo cơ quan '{task.agency_id}' được phân công việc '{task.name}'.")
    if actor.role == Role.DIVISION_HEAD and task.division is not None and actor.unit != task.division:
        division = division_name(task.agency_id, task.division)
        if division is not None:
            raise Forbidden(f"Việc '{task.name}' thuộc {division}: chỉ lãnh đạo phòng này được phân công.",
                            division=task.division)


def may_take_step(actor: Actor, task: StepLike, division_name: DivisionName, dossier_code: str | None = None) -> bool:
    if actor.role in READ_ONLY:
        return False
    try:
        check_step(actor, task, division_name, dossier_code)
    except Forbidden:
        return False
    return True


# ---------------------------------------------------------------------- dossiers

class DossierLike(Protocol):
    code: str
    agency_id: str
    receiving_agency_id: str


Place = tuple[str, "str | None"]  # (agency, division) of an open step


def check_dossier(actor: Actor, dossier: DossierLike, open_steps: Callable[[], Iterable[Place]],
                  division_name: DivisionName) -> None:
    """Raise Forbidden unless ``actor`` may act on the dossier as a whole (see the module's rules).

    ``open_steps`` gives the (agency, division) of the dossier's open steps; it is called only
    when the answer depends on them.
    """
    if actor.role in PRIVILEGED:
        _acting_as(actor, dossier.code)
        return
    if actor.role in SEE_ALL or actor.agency is None:
        return
    own_agency = actor.agency in (dossier.agency_id, dossier.receiving_agency_id)
    by_division = actor.unit is not None and actor.role in APPRAISERS
    if own_agency and not by_division:
        return
    places = list(open_steps())
    if not own_agency and actor.agency not in {agency for agency, _ in places}:
        raise Forbidden(f"Hồ sơ {dossier.code} không thuộc cơ quan của bạn.")
    if by_division and not any(
        agency == actor.agency and (division in (None, actor.unit) or division_name(agency, division) is None)
        for agency, division in places
    ):
        raise Forbidden(
            f"Hồ sơ {dossier.code} không ở bước xử lý của phòng bạn; chỉ cán bộ của phòng đang xử lý hồ sơ được thao tác.",
            division=actor.unit,
        )


def can_view(actor: Actor, dossier: DossierLike, open_agencies: Iterable[str]) -> bool:
    """Whether ``actor`` may read the dossier (``open_agencies``: agencies holding an open step of it)."""
    if actor.role in SEE_ALL or actor.agency is None:
        return True
    return actor.agency in (dossier.agency_id, dossier.receiving_agency_id) or actor.agency in set(open_agencies)


def allowed_actions(actor: Actor, dossier: Any, open_steps: Iterable[Place], division_name: DivisionName,
                    actionable_return: bool = False) -> dict[str, bool]:
    """Which dossier-level actions to offer ``actor`` on a page: action -> allowed.

    ``dossier`` has ``status`` and ``extended_at``; ``actionable_return`` says the actor may
    complete the route's return step itself (then the page offers that step, not "return").
    """
    places = list(open_steps)
    try:
        check_dossier(actor, dossier, lambda: places, division_name)
        may_touch = actor.role not in READ_ONLY
    except Forbidden:
        may_touch = False
    out = {}
    for action, rule in ACTIONS.items():
        if action in NOT_ON_A_PAGE:
            continue
        out[action] = may_touch and actor.role in rule.roles | PRIVILEGED and status_allows(action, dossier.status)
    out["extend"] = out["extend"] and dossier.extended_at is None
    out["return_result"] = out["return_result"] and not actionable_return
    return out


# ---------------------------------------------------------------------- query clauses

def active_task() -> ColumnElement[bool]:
    """A task is open or waiting, with the states as literals in the SQL: the partial indexes on
    open tasks (migration 0014) then match in every plan, a prepared statement's generic one too."""
    from .storage.models import Task

    return Task.state.in_([literal(str(state), literal_execute=True) for state in ACTIVE_TASK_STATES])


# Every status but the closed ones: a dossier still in hand (resolved included: its return step is open).
LIVE_STATUSES = tuple(s for s in Status if s not in CLOSED_STATUSES)


def live_dossier(statuses: Iterable[str] = LIVE_STATUSES) -> ColumnElement[bool]:
    """``dossiers.status IN (...)`` with the statuses as literals in the SQL, so that the partial
    indexes of live dossiers (migration 0018, ``WHERE status IN LIVE_STATUSES``) match in every plan,
    a prepared statement's generic one too. ``statuses`` must be among :data:`LIVE_STATUSES`."""
    from .storage.models import Dossier

    return Dossier.status.in_([literal(str(status), literal_execute=True) for status in statuses])


def open_step_dossiers(actor: Actor) -> Any:
    """The ids of the dossiers with an open (or waiting) step at the actor's agency: a subquery read
    from the partial index of active steps, whose size is the agency's open work, not its history."""
    from .storage.models import Task

    return select(Task.dossier_id).where(Task.agency_id == actor.agency, active_task())


def visible_branches(actor: Actor) -> list[ColumnElement[bool]]:
    """What :func:`can_view` allows, in SQL, as clauses whose union is the rule.

    One clause for those who see everything; else the competent agency, the receiving agency, and an
    open step at the actor's agency: each alone can use its own index (an OR of them can use none),
    so a list queries them apart and unites the rows (``engine.queries.dossiers``). A dossier with an
    open step is never closed, so the third also says the dossier is live: read newest first, it walks
    the small partial index of live dossiers (migration 0018), never the whole history.
    """
    from .storage.models import Dossier

    if actor.role in SEE_ALL or actor.agency is None:
        return [true()]
    open_step = and_(live_dossier(), Dossier.id.in_(open_step_dossiers(actor)))
    return [Dossier.agency_id == actor.agency, Dossier.receiving_agency_id == actor.agency, open_step]


def visible_dossiers(actor: Actor) -> ColumnElement[bool]:
    """The WHERE clause of a dossier query: what :func:`can_view` allows, in SQL (one clause)."""
    return or_(*visible_branches(actor))


def visible_dossiers_among(actor: Actor, among: Callable[[Any], ColumnElement[bool]]) -> ColumnElement[bool]:
    """:func:`visible_dossiers` for a query that reads a few dossiers by key (staff search's chunks):
    ``among(column)`` says a dossier id column holds one of them, so the open-step branch looks at the open
    steps of those dossiers, not at every open step of the agency."""
    from .storage.models import Dossier, Task

    if actor.role in SEE_ALL or actor.agency is None:
        return true()
    open_step = Dossier.id.in_(select(Task.dossier_id).where(Task.agency_id == actor.agency, active_task(),
                                                             among(Task.dossier_id)))
    return or_(Dossier.agency_id == actor.agency, Dossier.receiving_agency_id == actor.agency, open_step)


@dataclass(frozen=True)
class StepScope:
    """Which open steps an actor's inbox shows, as the shape of a cached statement.

    ``divisions``: ``all`` (privileged), ``own`` (their division's and undivided steps) or
    ``undivided`` (a person in no division: steps of no division only). A step whose division
    its agency does not declare counts as undivided, as :func:`check_step` decides.
    """

    by_role: bool
    by_agency: bool
    divisions: str

    def clause(self) -> ColumnElement[bool]:
        """Filters on Task (and DivisionRow joined by :data:`TASK_DIVISION`), with bound parameters."""
        from .storage.models import DivisionRow, Task

        parts: list[ColumnElement[bool]] = []
        if self.by_role:
            parts.append(Task.role == bindparam("role"))
        if self.by_agency:
            parts.append(Task.agency_id == bindparam("agency"))
        if self.divisions == "own":
            parts.append(or_(DivisionRow.id.is_(None), Task.division == bindparam("division")))
        elif self.divisions == "undivided":
            parts.append(DivisionRow.id.is_(None))
        return and_(*parts) if parts else true()

    def params(self, actor: Actor) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.by_role:
            out["role"] = actor.role
        if self.by_agency:
            out["agency"] = actor.agency
        if self.divisions == "own":
            out["division"] = actor.unit
        return out


def step_scope(actor: Actor) -> StepScope:
    by_role = actor.role not in PRIVILEGED
    divisions = "all" if not by_role else ("own" if actor.unit else "undivided")
    return StepScope(by_role, by_role and actor.agency is not None, divisions)


def task_division_join() -> ColumnElement[bool]:
    """Join a task to its division as the catalogue declares it for the task's agency."""
    from .storage.models import DivisionRow, Task

    return and_(DivisionRow.agency_id == Task.agency_id, DivisionRow.id == Task.division)


__all__ = [
    "ACTIONS", "ADMINISTRATION", "APPRAISERS", "active_task", "DESK", "PRIVILEGED", "QUALITY", "READ_ONLY", "SEE_ALL", "SYSTEM", "Actor", "Rule",
    "StepScope", "TaskState", "allowed_actions", "can_view", "check_assign", "check_dossier", "check_step", "may_implement",
    "may_take_step", "require", "require_administrator", "require_quality", "status_allows", "step_scope", "task_division_join",
    "visible_branches", "visible_dossiers", "LIVE_STATUSES", "live_dossier", "open_step_dossiers",
]
