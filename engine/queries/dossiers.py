"""Dossiers as staff read them: find one, may I see it, its detail and timeline, the summary a
command answers with, the issued forms, and the list.

Who sees which dossier is the policy's (:func:`engine.policy.can_view` for one,
:func:`engine.policy.visible_branches` for a list); each answer is a fixed number of statements.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    union,
)
from sqlalchemy.orm import Session, aliased, undefer

from .. import policy
from ..errors import NotFound
from ..labels import status_label
from ..policy import Actor, task_division_join
from ..storage.accounts import User
from ..storage.models import (
    AgencyRow,
    AuditEvent,
    DivisionRow,
    Dossier,
    IssuedForm,
    ProcedureVersion,
    Task,
)
from ..vocabulary import ACTIVE_TASK_STATES, OPEN_STATUSES, Status
from .paging import SEARCH_TOTAL_CAP, TOTAL_CAP, Cursor, Keyset, Page

MAX_ID = 2**31 - 1  # ids are INTEGER columns: a larger number is no row (and overflows PostgreSQL's parameter)


def numeric_id(ref: str | int) -> int | None:
    """``ref`` as a row id when it is one: ASCII digits (not '³') within the column's range; else None."""
    if isinstance(ref, str):
        if not (ref.isascii() and ref.isdigit()) or len(ref) > 10:
            return None
        ref = int(ref)
    return ref if 0 < ref <= MAX_ID else None


def find_dossier(session: Session, ref: str | int) -> Dossier:
    """A dossier by numeric id or by code."""
    dossier = None
    full = [undefer(Dossier.applicant), undefer(Dossier.documents)]
    number = numeric_id(ref)
    if number is not None:
        dossier = session.get(Dossier, number, options=full)
    if dossier is None:
        dossier = session.execute(select(Dossier).options(*full).where(Dossier.code == str(ref))).scalar_one_or_none()
    if dossier is None:
        raise NotFound(f"Không có hồ sơ '{ref}'.", ref=str(ref))
    return dossier


def _open_agencies(session: Session, dossier_id: int) -> Iterator[str]:
    """The agencies holding an open step of the dossier, read only when iterated (the policy may not ask)."""
    yield from session.execute(
        select(Task.agency_id).distinct().where(Task.dossier_id == dossier_id, Task.state.in_(ACTIVE_TASK_STATES))
    ).scalars()


def can_view(session: Session, actor: Actor, dossier: Dossier) -> bool:
    """Whether ``actor`` may read ``dossier``: the policy's rule, with the agencies of its open steps."""
    return policy.can_view(actor, dossier, _open_agencies(session, dossier.id))


def _dossier_dict(d: Dossier, procedure_name: str, agency_name: str | None, receiving_name: str | None,
                  with_documents: bool = True) -> dict[str, Any]:
    out = {
        "id": d.id, "code": d.code, "status": d.status, "status_label": status_label(d.status),
        "procedure_code": d.procedure_code, "procedure_version_id": d.procedure_version_id,
        "procedure_name": procedure_name, "variant": d.variant or None, "agency_id": d.agency_id, "agency_name": agency_name or d.agency_id,
        "receiving_agency_id": d.receiving_agency_id, "receiving_agency_name": receiving_name or d.receiving_agency_id,
        "channel": d.channel, "applicant": dict(d.applicant or {}),
        "registered_at": d.registered_at, "received_at": d.received_at, "statutory_due_at": d.statutory_due_at,
        "due_at": d.due_at, "supplement_requested_at": d.supplement_requested_at,
        "supplement_count": d.supplement_count, "extended_at": d.extended_at, "resolved_at": d.resolved_at,
        "returned_at": d.returned_at, "result": d.result, "proposal": d.proposal, "timeliness": d.timeliness,
        "supplement_wait_until": d.supplement_wait_until, "late_incurred": d.late_incurred, "closed_at": d.closed_at,
        "version": d.version,
    }
    if with_documents:
        out["documents"] = list(d.documents or [])
    return out


def visible_dossier(session: Session, actor: Actor, ref: str | int) -> Dossier:
    """A dossier the actor may see; another agency's is "not found", in the words of one that does not exist
    (issue 12: an answer to someone without rights names nothing)."""
    dossier = find_dossier(session, ref)
    if not can_view(session, actor, dossier):
        raise NotFound(f"Không có hồ sơ '{ref}'.", ref=str(ref))
    return dossier


def dossier_detail(session: Session, actor: Actor, ref: str | int, *, timeline: bool = True) -> dict[str, Any]:
    """A dossier with its steps, issued forms and (optionally) its audit timeline, if the actor may see it."""
    dossier = visible_dossier(session, actor, ref)
    competent, receiving = aliased(AgencyRow), aliased(AgencyRow)
    names = session.execute(
        select(ProcedureVersion.name, ProcedureVersion.version, competent.name, receiving.name)
        .select_from(ProcedureVersion)
        .outerjoin(competent, competent.id == dossier.agency_id)
        .outerjoin(receiving, receiving.id == dossier.receiving_agency_id)
        .where(ProcedureVersion.id == dossier.procedure_version_id)
    ).one()
    out = _dossier_dict(dossier, names[0], names[2], names[3])
    out["procedure_version"] = names[1]
    claimer, completer = aliased(User), aliased(User)
    tasks = session.execute(
        select(Task, claimer.name, completer.name, DivisionRow.name)
        .outerjoin(claimer, claimer.id == Task.claimed_by)
        .outerjoin(completer, completer.id == Task.completed_by)
        .outerjoin(DivisionRow, task_division_join())
        .where(Task.dossier_id == dossier.id).order_by(Task.id)
    ).all()
    out["tasks"] = [
        {
            "id": t.id, "step_id": t.step_id, "name": t.name, "kind": t.kind, "role": t.role, "agency_id": t.agency_id,
            "unit": t.unit, "division": t.division, "division_name": division, "state": t.state,
            "ready_at": t.ready_at, "due_at": t.due_at,
            "claimed_by": t.claimed_by, "claimed_by_name": cn, "claimed_at": t.claimed_at,
            "completed_by": t.completed_by, "completed_by_name": dn, "completed_at": t.completed_at,
            "outcome": t.outcome, "checkpoints": t.checkpoints or [], "note": t.note, "timeliness": t.timeliness,
        }
        for t, cn, dn, division in tasks
    ]
    forms = session.execute(
        select(IssuedForm.id, IssuedForm.form, IssuedForm.form_number, IssuedForm.number, IssuedForm.regime,
               IssuedForm.issued_at)
        .where(IssuedForm.dossier_id == dossier.id).order_by(IssuedForm.id)
    ).all()
    out["forms"] = [dict(f._mapping) for f in forms]
    if timeline:
        out["events"] = events(session, dossier.id)
    return out


_SUMMARY_COLUMNS = ("id", "code", "status", "procedure_code", "procedure_version_id", "variant", "agency_id", "receiving_agency_id",
                    "channel", "applicant", "documents", "registered_at", "received_at", "statutory_due_at", "due_at",
                    "supplement_requested_at", "supplement_count", "extended_at", "resolved_at", "returned_at", "result",
                    "proposal", "timeliness", "supplement_wait_until", "late_incurred", "closed_at", "version")


@lru_cache(maxsize=1)
def _summary_statements() -> tuple[Select, Select]:
    dossier = select(*(getattr(Dossier, c) for c in _SUMMARY_COLUMNS)).where(Dossier.id == bindparam("dossier"))
    tasks = select(Task.id, Task.step_id, Task.name, Task.kind, Task.role, Task.agency_id, Task.division,
                   Task.state, Task.ready_at, Task.due_at, Task.claimed_by, Task.completed_by, Task.completed_at, Task.outcome, Task.checkpoints,
                   Task.timeliness).where(Task.dossier_id == bindparam("dossier")).order_by(Task.id)
    return dossier, tasks


def dossier_summary(session: Session, dossier: Dossier) -> dict[str, Any]:
    """A dossier just changed by a command, with its steps: two indexed queries, no ORM loading (the hot path)."""
    dossier_stmt, tasks_stmt = _summary_statements()
    fresh = session.execute(dossier_stmt, {"dossier": dossier.id}).one()
    out = _dossier_dict(fresh, "", None, None)  # type: ignore[arg-type]
    del out["procedure_name"], out["agency_name"], out["receiving_agency_name"]
    out["tasks"] = []
    for row in session.execute(tasks_stmt, {"dossier": dossier.id}):
        task = dict(row._mapping)
        task["checkpoints"] = task["checkpoints"] or []
        out["tasks"].append(task)
    return out


def events(session: Session, dossier_id: int) -> list[dict[str, Any]]:
    """The dossier's audit chain in order, with the actor's display name."""
    rows = session.execute(
        select(AuditEvent.seq, AuditEvent.at, AuditEvent.actor, AuditEvent.role, AuditEvent.action,
               AuditEvent.before, AuditEvent.after, User.name.label("actor_name"))
        .outerjoin(User, User.id == AuditEvent.actor)
        # Only the dossier's own chain: an event carrying its id under another chain name is a forgery (audit verify names it).
        .join(Dossier, (Dossier.id == AuditEvent.dossier_id) & (Dossier.code == AuditEvent.chain))
        .where(AuditEvent.dossier_id == dossier_id).order_by(AuditEvent.seq)
    ).all()
    return [dict(r._mapping) for r in rows]


def issued_form(session: Session, actor: Actor, form_id: int) -> tuple[IssuedForm, Dossier]:
    form = session.get(IssuedForm, form_id)
    if form is None:
        raise NotFound(f"Không có phiếu #{form_id}.")
    dossier = session.get(Dossier, form.dossier_id)
    assert dossier is not None
    if not can_view(session, actor, dossier):
        raise NotFound(f"Không có phiếu #{form_id}.")
    return form, dossier


def _applicant_name(dialect: str) -> ColumnElement[Any]:
    """The applicant's name as text, written as the trigram index on PostgreSQL declares it (migration 0014)."""
    if dialect == "postgresql":
        return literal_column("(dossiers.applicant ->> 'name')", String)
    return func.json_extract(Dossier.applicant, "$.name")


def _like(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


FEW_MATCHES = 500  # a search with at most this many matches is read once by its trigram indexes, then filtered


def _match(dialect: str, q: str) -> ColumnElement[bool]:
    pattern = _like(q)
    return or_(Dossier.code.ilike(pattern, escape="\\"), _applicant_name(dialect).ilike(pattern, escape="\\"))


def _few_matches(session: Session, dialect: str, q: str | None) -> list[int] | None:
    """The ids of the dossiers matching the search when there are at most FEW_MATCHES of them, else None.

    One read of the trigram indexes on PostgreSQL (a common word is cut at FEW_MATCHES + 1 rows)."""
    if dialect != "postgresql" or not q:
        return None
    ids = list(session.execute(select(Dossier.id).where(_match(dialect, q)).limit(FEW_MATCHES + 1)).scalars())
    return ids if len(ids) <= FEW_MATCHES else None


def _filters(dialect: str, now: datetime, status: str | None, procedure: str | None, q: str | None,
             overdue: bool | None) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if status:
        out.append(Dossier.status == status)
    if procedure:
        out.append(Dossier.procedure_code == procedure)
    if q and q.strip():
        out.append(_match(dialect, q))
    # Waiting for the applicant's supplement is not overdue: no clock runs then (LEGAL.md §4).
    counting = tuple(s for s in OPEN_STATUSES if s != Status.AWAITING_SUPPLEMENT)
    if overdue is True:  # the statuses as literals: the partial indexes of live dossiers serve it (migration 0018)
        out.extend((policy.live_dossier(counting), Dossier.due_at < now))
    elif overdue is False:
        out.append(or_(Dossier.due_at.is_(None), Dossier.due_at >= now, Dossier.status.not_in(counting)))
    return out


def dossiers(session: Session, actor: Actor, *, now: datetime, status: str | None = None, procedure: str | None = None,
             q: str | None = None, overdue: bool | None = None, page: int = 1, per_page: int = 20,
             after: str | None = None, before: str | None = None) -> Page:
    """Dossiers the actor may see (:func:`engine.policy.visible_branches`), newest first, with filters.

    ``q`` matches part of the code or of the applicant's name. Paged by key (``after`` / ``before``:
    the ``next`` / ``prev`` cursors of a page) or, for the first pages, by number; the total is
    counted up to :data:`~engine.queries.paging.TOTAL_CAP`, a search's up to
    :data:`~engine.queries.paging.SEARCH_TOTAL_CAP` (``total_exact`` false beyond).

    Each branch of the visibility rule (the competent agency, the receiving agency, an open step at
    the actor's agency) is its own index-ordered query of at most one page; their union is sorted
    and cut, so no page reads more than a few pages' worth of rows whatever the table's size.
    """
    where = Keyset.of(page, per_page, after, before)
    dialect = session.get_bind().dialect.name
    searching = bool(q and q.strip())
    branches = policy.visible_branches(actor)
    found = _few_matches(session, dialect, q) if searching else None
    if found is not None:
        # A search with few matches: the trigram indexes were read once (each scan of a common name's
        # trigrams costs ~12 ms at a million dossiers); the matches are checked against the whole rule.
        filters = [*_filters(dialect, now, status, procedure, None, overdue),
                   Dossier.id.in_(bindparam("found", found, expanding=True, literal_execute=True))]
        branches = [or_(*branches)] if len(branches) > 1 else branches
    else:  # no search, or a common word: each branch walks its index in order and stops at the page's end
        filters = _filters(dialect, now, status, procedure, q, overdue)
    newest_first = where.before is None
    order = (Dossier.registered_at.desc(), Dossier.id.desc()) if newest_first else (Dossier.registered_at, Dossier.id)
    take = where.offset + per_page + 1

    def branch(clause: ColumnElement[bool]) -> Select:
        stmt = select(Dossier.id, Dossier.registered_at).where(clause, *filters)
        if where.after is not None:
            stmt = stmt.where(tuple_(Dossier.registered_at, Dossier.id) < tuple_(where.after.at, where.after.id))
        if where.before is not None:
            stmt = stmt.where(tuple_(Dossier.registered_at, Dossier.id) > tuple_(where.before.at, where.before.id))
        return stmt.order_by(*order).limit(take)

    if len(branches) == 1:
        visible = branch(branches[0]).subquery("visible")
    else:
        visible = union(*(select(branch(c).subquery()) for c in branches)).subquery("visible")
    key = (visible.c.registered_at.desc(), visible.c.id.desc()) if newest_first else (visible.c.registered_at, visible.c.id)
    stmt = (
        select(Dossier, ProcedureVersion.name)
        .options(undefer(Dossier.applicant))
        .join(visible, visible.c.id == Dossier.id)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .order_by(*key).limit(per_page + 1).offset(where.offset)
    )
    rows = list(session.execute(stmt).all())
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not newest_first:
        rows.reverse()
    has_next = more if newest_first else True
    has_prev = (where.after is not None or where.offset > 0) if newest_first else more
    total, exact = _capped_count(session, actor, branches, filters, min(SEARCH_TOTAL_CAP, TOTAL_CAP) if searching else TOTAL_CAP)
    items = [_dossier_dict(d, name, None, None, with_documents=False) for d, name in rows]
    result = Page(items, page, per_page, total, total_exact=exact, keyset=True)
    if rows:
        result.next = Cursor(rows[-1][0].registered_at, rows[-1][0].id).encode() if has_next else None
        result.prev = Cursor(rows[0][0].registered_at, rows[0][0].id).encode() if has_prev else None
    return result


def _capped_count(session: Session, actor: Actor, branches: list[ColumnElement[bool]],
                  filters: list[ColumnElement[bool]], cap: int) -> tuple[int, bool]:
    """How many rows the list has, counted up to ``cap`` (TOTAL_CAP; SEARCH_TOTAL_CAP for a search):
    each branch stops at ``cap`` + 1 rows.

    The agency branches read their rows in the list's order (its index: an unordered LIMIT lets the
    planner pick a table scan that stops early, or does not). The open-step branch is read from the
    active steps' partial index in its own order (agency, dossier); when a filter needs the dossiers'
    columns it is joined to the live dossiers (their partial indexes) and cut unordered, as soon as
    ``cap`` + 1 are found: both sides are the agency's open work, whatever the history's length."""
    limited = []
    for clause in branches:
        if len(branches) > 1 and clause is branches[-1]:
            open_here = select(Task.dossier_id).distinct().where(Task.agency_id == actor.agency, policy.active_task())
            if filters:  # both sides are bounded by the work in hand (live dossiers, active steps): no order needed
                here = open_here.subquery()
                limited.append(select(here.c.dossier_id.label("id")).join(Dossier, Dossier.id == here.c.dossier_id)
                               .where(policy.live_dossier(), *filters).limit(cap + 1))
            else:
                limited.append(open_here.order_by(Task.dossier_id).limit(cap + 1))
        else:
            limited.append(select(Dossier.id).where(clause, *filters).order_by(Dossier.registered_at.desc(), Dossier.id.desc())
                           .limit(cap + 1))
    rows = limited[0].subquery() if len(limited) == 1 else union(*(select(b.subquery()) for b in limited)).subquery()
    count = int(session.execute(select(func.count()).select_from(rows)).scalar_one())
    return min(count, cap), count <= cap


__all__ = ["can_view", "dossier_detail", "dossier_summary", "dossiers", "events", "find_dossier", "issued_form"]
