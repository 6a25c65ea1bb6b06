"""The inbox: the open steps an actor may take, by urgency, and the procedures among them.

Which steps an actor sees (role, agency, division) is the policy's
:class:`~engine.policy.StepScope`; the inbox statement is built once per shape
of filters (``lru_cache``) and run with bound values: it is the staff's hot path.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from ..labels import status_label
from ..policy import Actor, StepScope, active_task, step_scope, task_division_join
from ..storage.accounts import User
from ..storage.models import DivisionRow, Dossier, ProcedureVersion, Task
from ..vocabulary import ACTIVE_TASK_STATES, TaskState
from .paging import Page

CLAIMS = ("mine", "unit", "all", "division")  # claimed by me / unclaimed in my unit / both / all of my division


@lru_cache(maxsize=64)
def _inbox_statement(steps: StepScope, scope: str, by_procedure: bool, by_status: bool) -> Select:
    """The inbox query for one combination of filters, built once; values are bound parameters.

    Open steps come before waiting ones, each by due time (none last) then id. Each state is its own
    branch read in the order of the partial index on active tasks (agency, role, state, due time, id:
    migration 0014) and cut at the page's end (``window`` = offset + limit), so a page reads about as
    many index entries as it shows, not all of the actor's steps sorted; the page is cut from those
    rows, and the dossiers, procedures and names are joined for its rows only. The total is an uncorrelated subquery (computed once).
    """
    def filtered(stmt: Select) -> Select:
        stmt = stmt.outerjoin(DivisionRow, task_division_join())
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
        if by_procedure or by_status:
            stmt = stmt.join(Dossier, Dossier.id == Task.dossier_id)
        if by_procedure:
            stmt = stmt.where(Dossier.procedure_code == bindparam("procedure"))
        if by_status:
            stmt = stmt.where(Dossier.status == bindparam("status"))
        return stmt

    def branch(state: TaskState, rank: int) -> Select:
        stmt = select(Task.id.label("task_id"), literal(rank).label("rank"), Task.due_at.label("due")).select_from(Task)
        stmt = filtered(stmt).where(Task.state == literal(str(state), literal_execute=True))
        return stmt.order_by(Task.due_at.asc().nulls_last(), Task.id).limit(bindparam("window"))

    both = union_all(select(branch(TaskState.OPEN, 0).subquery()), select(branch(TaskState.WAITING, 1).subquery())).subquery("both")
    # The page is cut from the branches' few columns before anything is joined: a last page joins its
    # 20 rows, not the ``window`` rows read to reach it (2,000 joined rows cost 40 ms at a million dossiers).
    page = (select(both).order_by(both.c.rank, both.c.due.asc().nulls_last(), both.c.task_id)
            .limit(bindparam("limit")).offset(bindparam("offset")).subquery("page"))
    total = filtered(select(func.count()).select_from(Task)).where(active_task()).scalar_subquery()
    claimer = aliased(User)
    return (
        select(
            Task.id, Task.step_id, Task.name, Task.kind, Task.role, Task.agency_id, Task.division,
            DivisionRow.name.label("division_name"), Task.state, Task.ready_at,
            Task.due_at, Task.claimed_by, claimer.name.label("claimed_by_name"),
            Dossier.id.label("dossier_id"), Dossier.code, Dossier.status, Dossier.procedure_code,
            Dossier.applicant, Dossier.due_at.label("dossier_due_at"), Dossier.version.label("dossier_version"),
            Dossier.channel, ProcedureVersion.name.label("procedure_name"), total.label("_total"),
        )
        .select_from(page)
        .join(Task, Task.id == page.c.task_id)
        .join(Dossier, Dossier.id == Task.dossier_id)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .outerjoin(DivisionRow, task_division_join())
        .outerjoin(claimer, claimer.id == Task.claimed_by)
        .order_by(page.c.rank, page.c.due.asc().nulls_last(), page.c.task_id)
    )


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
    offset = (page - 1) * per_page
    params: dict[str, Any] = {"limit": per_page, "offset": offset, "window": offset + per_page}
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
    elif page > 1:  # past the last page: the total alone
        total = session.execute(select(stmt.selected_columns._total), params).scalar_one()
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
