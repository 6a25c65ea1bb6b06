"""The inbox: the open steps an actor may take, by urgency, and the procedures among them.

Which steps an actor sees (role, agency, division) is the policy's
:class:`~engine.policy.StepScope`; the inbox statement is built once per shape
of filters (``lru_cache``) and run with bound values: it is the staff's hot path.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..labels import status_label
from ..policy import Actor, StepScope, step_scope, task_division_join
from ..storage.accounts import User
from ..storage.models import DivisionRow, Dossier, ProcedureVersion, Task
from ..vocabulary import ACTIVE_TASK_STATES, TaskState
from .paging import Page

CLAIMS = ("mine", "unit", "all", "division")  # claimed by me / unclaimed in my unit / both / all of my division


@lru_cache(maxsize=64)
def _inbox_statement(steps: StepScope, scope: str, by_procedure: bool, by_status: bool) -> Select:
    """The inbox query for one combination of filters, built once; values are bound parameters.

    The total comes from a window function (``count(*) over ()``) in the same statement.
    """
    claimer = aliased(User)
    stmt = (
        select(
            Task.id, Task.step_id, Task.name, Task.kind, Task.role, Task.agency_id, Task.division,
            DivisionRow.name.label("division_name"), Task.state, Task.ready_at,
            Task.due_at, Task.claimed_by, claimer.name.label("claimed_by_name"),
            Dossier.id.label("dossier_id"), Dossier.code, Dossier.status, Dossier.procedure_code,
            Dossier.applicant, Dossier.due_at.label("dossier_due_at"), Dossier.version.label("dossier_version"),
            Dossier.channel, ProcedureVersion.name.label("procedure_name"), func.count().over().label("_total"),
        )
        .join(Dossier, Dossier.id == Task.dossier_id)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .outerjoin(DivisionRow, task_division_join())
        .outerjoin(claimer, claimer.id == Task.claimed_by)
        .where(Task.state.in_(ACTIVE_TASK_STATES))
    )
    if scope == "division":  # a head's view: every open step of their division, whoever holds it
        stmt = stmt.where(Task.agency_id == bindparam("agency"), Task.division == bindparam("division"))
    else:
        stmt = stmt.where(steps.clause())
    if scope == "mine":
        stmt = stmt.where(Task.claimed_by == bindparam("me"))
    elif scope == "unit":
        stmt = stmt.where(Task.claimed_by.is_(None))
    elif scope == "all":
        stmt = stmt.where(or_(Task.claimed_by.is_(None), Task.claimed_by == bindparam("me")))
    if by_procedure:
        stmt = stmt.where(Dossier.procedure_code == bindparam("procedure"))
    if by_status:
        stmt = stmt.where(Dossier.status == bindparam("status"))
    return stmt.order_by(
        case((Task.state == TaskState.OPEN, 0), else_=1),
        case((Task.due_at.is_(None), 1), else_=0),
        Task.due_at, Task.id,
    ).limit(bindparam("limit")).offset(bindparam("offset"))


def inbox(session: Session, actor: Actor, *, scope: str = "all", procedure: str | None = None,
          status: str | None = None, page: int = 1, per_page: int = 20) -> Page:
    """Open steps the actor may take: claimed by them (``mine``) or unclaimed in their unit (``unit``).

    Which steps: the policy's :func:`~engine.policy.step_scope`. Sorted by urgency: open before
    waiting, then by the step's due time (no due time last).
    """
    steps = step_scope(actor)
    scope = scope if scope in CLAIMS else "all"
    if scope == "division" and not actor.unit:
        scope = "all"  # someone in no division has no division's view
    stmt = _inbox_statement(steps, scope, bool(procedure), bool(status))
    params: dict[str, Any] = {"limit": per_page, "offset": (page - 1) * per_page}
    if scope == "division":
        params |= {"agency": actor.agency, "division": actor.unit}
    else:
        params |= steps.params(actor)
    if scope in ("mine", "all"):
        params["me"] = actor.id
    if procedure:
        params["procedure"] = procedure
    if status:
        params["status"] = status
    rows = session.execute(stmt, params).all()
    if rows:
        total = int(rows[0]._total)
    elif page > 1:  # past the last page: count without the window
        total = session.execute(select(func.count()).select_from(stmt.limit(None).offset(None).subquery()),
                                {k: v for k, v in params.items() if k not in ("limit", "offset")}).scalar_one()
    else:
        total = 0
    items = []
    for r in rows:
        item = dict(r._mapping)
        del item["_total"]
        applicant = item.pop("applicant") or {}
        item["applicant_name"] = applicant.get("name", "")
        item["status_label"] = status_label(item["status"])
        items.append(item)
    return Page(items, page, per_page, int(total))


def inbox_procedures(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the procedures that appear in the actor's open steps: the inbox filter's choices."""
    steps = step_scope(actor)
    stmt = (
        select(Dossier.procedure_code, func.min(ProcedureVersion.name))
        .join(Task, Task.dossier_id == Dossier.id)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .outerjoin(DivisionRow, task_division_join())
        .where(Task.state.in_(ACTIVE_TASK_STATES))
        .where(steps.clause())
        .group_by(Dossier.procedure_code).order_by(Dossier.procedure_code)
    )
    return [(c, n) for c, n in session.execute(stmt, steps.params(actor)).all()]


__all__ = ["inbox", "inbox_procedures"]
