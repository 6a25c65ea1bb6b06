"""Read-side queries: inbox, dossier detail and timeline, lists, public status, public listing.

Commands change state; these only read. Each answer is built from a fixed
number of SQL statements (joins, never one query per row) and returned as
plain dicts, ready for JSON or a template. Who may see what is decided here
too (:func:`can_view`), mirroring the commands' own rules, so that the web
pages and the REST API apply the same policy.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased, undefer

from .audit import Actor
from .definitions.model import raw_steps, raw_variants
from .errors import Forbidden, NotFound
from .lifecycle import CLOSED, OPEN, label
from .storage.accounts import User
from .storage.models import (
    AgencyRow,
    AuditEvent,
    DivisionRow,
    Dossier,
    IssuedForm,
    ProcedureVersion,
    Task,
)

PRIVILEGED = frozenset({"administrator", "system"})
SEE_ALL = PRIVILEGED | {"analyst"}
MAX_PER_PAGE = 100


@dataclass
class Page:
    items: list[dict[str, Any]]
    page: int
    per_page: int
    total: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "page": self.page, "per_page": self.per_page, "total": self.total, "pages": self.pages}


def clamp(page: int | None, per_page: int | None, default: int = 20) -> tuple[int, int]:
    page = max(1, int(page or 1))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page or default)))
    return page, per_page


def _paged(session: Session, stmt: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), int(total)


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics: 'Bảo trợ' and 'bao tro' compare equal."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    return "".join(c for c in text if unicodedata.category(c) != "Mn").lower()


# ---------------------------------------------------------------------- visibility

def _agency_clause(actor: Actor) -> Any:
    """Dossiers an actor's agency may see: competent, receiving, or holding an open step of it."""
    open_step = select(Task.id).where(
        Task.dossier_id == Dossier.id, Task.agency_id == actor.agency, Task.state.in_(("open", "waiting"))
    ).exists()
    return or_(Dossier.agency_id == actor.agency, Dossier.receiving_agency_id == actor.agency, open_step)


def can_view(session: Session, actor: Actor, dossier: Dossier) -> bool:
    if actor.role in SEE_ALL or actor.agency is None:
        return True
    if actor.agency in (dossier.agency_id, dossier.receiving_agency_id):
        return True
    return session.execute(
        select(Task.id).where(Task.dossier_id == dossier.id, Task.agency_id == actor.agency,
                              Task.state.in_(("open", "waiting"))).limit(1)
    ).first() is not None


def find_dossier(session: Session, ref: str | int) -> Dossier:
    """A dossier by numeric id or by code."""
    dossier = None
    full = [undefer(Dossier.applicant), undefer(Dossier.documents)]
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        dossier = session.get(Dossier, int(ref), options=full)
    if dossier is None:
        dossier = session.execute(select(Dossier).options(*full).where(Dossier.code == str(ref))).scalar_one_or_none()
    if dossier is None:
        raise NotFound(f"Không có hồ sơ '{ref}'.", ref=str(ref))
    return dossier


def _forbidden(dossier: Dossier) -> Forbidden:
    return Forbidden(f"Hồ sơ {dossier.code} không thuộc cơ quan của bạn; bạn không được xem hay xử lý hồ sơ này.",
                     dossier=dossier.code)


# ---------------------------------------------------------------------- inbox

# A task's division as the catalogue declares it for the task's agency (its name); none for a task without
# a division, or with one its agency does not declare (moved by a transfer of competence): such a task is
# anyone's of the role, as the commands decide (``Commands._may_act``).
_TASK_DIVISION = and_(DivisionRow.agency_id == Task.agency_id, DivisionRow.id == Task.division)


def _division_scope(actor: Actor) -> str:
    """Which steps' divisions an actor sees: ``all`` (privileged), ``own`` (their division's and
    undivided steps) or ``undivided`` (a person in no division: steps of no division only)."""
    if actor.role in PRIVILEGED:
        return "all"
    return "own" if actor.unit else "undivided"


def _division_filter(scope: str, division: Any) -> Any:
    if scope == "own":
        return or_(DivisionRow.id.is_(None), Task.division == division)
    return DivisionRow.id.is_(None)


@lru_cache(maxsize=64)
def _inbox_statement(by_role: bool, by_agency: bool, scope: str, by_procedure: bool, by_status: bool,
                     divisions: str = "all") -> Select[Any]:
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
        .outerjoin(DivisionRow, _TASK_DIVISION)
        .outerjoin(claimer, claimer.id == Task.claimed_by)
        .where(Task.state.in_(("open", "waiting")))
    )
    if by_role:
        stmt = stmt.where(Task.role == bindparam("role"))
    if by_agency:
        stmt = stmt.where(Task.agency_id == bindparam("agency"))
    if divisions != "all":
        stmt = stmt.where(_division_filter(divisions, bindparam("division")))
    if scope == "mine":
        stmt = stmt.where(Task.claimed_by == bindparam("me"))
    elif scope == "unit":
        stmt = stmt.where(Task.claimed_by.is_(None))
    else:
        stmt = stmt.where(or_(Task.claimed_by.is_(None), Task.claimed_by == bindparam("me")))
    if by_procedure:
        stmt = stmt.where(Dossier.procedure_code == bindparam("procedure"))
    if by_status:
        stmt = stmt.where(Dossier.status == bindparam("status"))
    return stmt.order_by(
        case((Task.state == "open", 0), else_=1),
        case((Task.due_at.is_(None), 1), else_=0),
        Task.due_at, Task.id,
    ).limit(bindparam("limit")).offset(bindparam("offset"))


def inbox(session: Session, actor: Actor, *, scope: str = "all", procedure: str | None = None,
          status: str | None = None, page: int = 1, per_page: int = 20) -> Page:
    """Open steps the actor may take: claimed by them (``mine``) or unclaimed in their unit (``unit``).

    A step of a division is shown only to people of that division (their role, their agency);
    steps of no division to everyone of the role. Sorted by urgency: open before waiting, then
    by the step's due time (no due time last).
    """
    by_role = actor.role not in PRIVILEGED
    by_agency = by_role and actor.agency is not None
    divisions = _division_scope(actor)
    scope = scope if scope in ("mine", "unit") else "all"
    stmt = _inbox_statement(by_role, by_agency, scope, bool(procedure), bool(status), divisions)
    params: dict[str, Any] = {"limit": per_page, "offset": (page - 1) * per_page}
    if by_role:
        params["role"] = actor.role
    if by_agency:
        params["agency"] = actor.agency
    if divisions == "own":
        params["division"] = actor.unit
    if scope != "unit":
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
        item["status_label"] = label(item["status"])
        items.append(item)
    return Page(items, page, per_page, int(total))


def inbox_procedures(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the procedures that appear in the actor's open steps: the inbox filter's choices."""
    stmt = (
        select(Dossier.procedure_code, func.min(ProcedureVersion.name))
        .join(Task, Task.dossier_id == Dossier.id)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .outerjoin(DivisionRow, _TASK_DIVISION)
        .where(Task.state.in_(("open", "waiting")))
        .group_by(Dossier.procedure_code).order_by(Dossier.procedure_code)
    )
    if actor.role not in PRIVILEGED:
        stmt = stmt.where(Task.role == actor.role, _division_filter(_division_scope(actor), actor.unit))
        if actor.agency is not None:
            stmt = stmt.where(Task.agency_id == actor.agency)
    return [(c, n) for c, n in session.execute(stmt).all()]


# ---------------------------------------------------------------------- dossiers

def _dossier_dict(d: Dossier, procedure_name: str, agency_name: str | None, receiving_name: str | None,
                  with_documents: bool = True) -> dict[str, Any]:
    out = {
        "id": d.id, "code": d.code, "status": d.status, "status_label": label(d.status),
        "procedure_code": d.procedure_code, "procedure_version_id": d.procedure_version_id,
        "procedure_name": procedure_name, "variant": d.variant or None, "agency_id": d.agency_id, "agency_name": agency_name or d.agency_id,
        "receiving_agency_id": d.receiving_agency_id, "receiving_agency_name": receiving_name or d.receiving_agency_id,
        "channel": d.channel, "applicant": dict(d.applicant or {}),
        "registered_at": d.registered_at, "received_at": d.received_at, "statutory_due_at": d.statutory_due_at,
        "due_at": d.due_at, "supplement_requested_at": d.supplement_requested_at,
        "supplement_count": d.supplement_count, "extended_at": d.extended_at, "resolved_at": d.resolved_at,
        "returned_at": d.returned_at, "result": d.result, "proposal": d.proposal, "timeliness": d.timeliness,
        "version": d.version,
    }
    if with_documents:
        out["documents"] = list(d.documents or [])
    return out


def dossier_detail(session: Session, actor: Actor, ref: str | int, *, timeline: bool = True) -> dict[str, Any]:
    """A dossier with its steps, issued forms and (optionally) its audit timeline, if the actor may see it."""
    dossier = find_dossier(session, ref)
    if not can_view(session, actor, dossier):
        raise _forbidden(dossier)
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
        .outerjoin(DivisionRow, _TASK_DIVISION)
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
                    "proposal", "timeliness", "version")


@lru_cache(maxsize=1)
def _summary_statements() -> tuple[Select[Any], Select[Any]]:
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
        raise _forbidden(dossier)
    return form, dossier


def dossiers(session: Session, actor: Actor, *, now: datetime, status: str | None = None, procedure: str | None = None,
             q: str | None = None, overdue: bool | None = None, page: int = 1, per_page: int = 20) -> Page:
    """Dossiers the actor may see, newest first, with filters."""
    stmt = (
        select(Dossier, ProcedureVersion.name)
        .options(undefer(Dossier.applicant))
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
    )
    if actor.role not in SEE_ALL and actor.agency is not None:
        stmt = stmt.where(_agency_clause(actor))
    if status:
        stmt = stmt.where(Dossier.status == status)
    if procedure:
        stmt = stmt.where(Dossier.procedure_code == procedure)
    if q:
        stmt = stmt.where(Dossier.code.ilike(f"%{q.strip()}%"))
    if overdue is True:
        stmt = stmt.where(Dossier.status.in_(OPEN), Dossier.due_at < now)
    elif overdue is False:
        stmt = stmt.where(or_(Dossier.due_at.is_(None), Dossier.due_at >= now, Dossier.status.in_(CLOSED + ("resolved",))))
    stmt = stmt.order_by(Dossier.registered_at.desc(), Dossier.id.desc())
    rows, total = _paged(session, stmt, page, per_page)
    items = []
    for d, name in rows:
        item = _dossier_dict(d, name, None, None, with_documents=False)
        items.append(item)
    return Page(items, page, per_page, total)


# ---------------------------------------------------------------------- procedures

def _latest_versions(on: date | None) -> Select[Any]:
    """Per code, the latest version in force on ``on`` (or the latest of all)."""
    inner = select(ProcedureVersion.code, func.max(ProcedureVersion.version).label("v"))
    if on is not None:
        inner = inner.where(or_(ProcedureVersion.effective_from.is_(None), ProcedureVersion.effective_from <= on))
    sub = inner.group_by(ProcedureVersion.code).subquery()
    return (
        select(ProcedureVersion, AgencyRow.name)
        .join(sub, and_(sub.c.code == ProcedureVersion.code, sub.c.v == ProcedureVersion.version))
        .outerjoin(AgencyRow, AgencyRow.id == ProcedureVersion.agency_id)
    )


def _procedure_dict(row: ProcedureVersion, agency_name: str | None, full: bool) -> dict[str, Any]:
    d = row.definition or {}
    unconfirmed = list(d.get("unconfirmed", []))
    cases = raw_variants(d)
    deadline = cases[0]["deadline"] or {}
    out = {
        "code": row.code, "version": row.version, "name": row.name, "field": row.field, "level": d.get("level"),
        "agency_id": row.agency_id, "agency_name": agency_name or row.agency_id,
        "deadline": {k: v for k, v in deadline.items() if k != "note"}, "deadline_note": deadline.get("note"),
        "channels": list(d.get("channels", [])), "online": d.get("online"),
        "effective_from": row.effective_from, "abolished_from": row.abolished_from, "decision": row.decision,
        "confirmed": row.confirmed, "unconfirmed": unconfirmed,
        "documents": list(d.get("documents", [])), "fees": list(d.get("fees", [])),
        # A procedure with several cases: the dossier chooses one at receipt (``variant``).
        "variants": [
            {"id": c["id"], "name": c["name"], "deadline": {k: v for k, v in c["deadline"].items() if k != "note"}}
            for c in cases
        ] if len(cases) > 1 else [],
    }
    if full:
        out["legal_basis"] = list(d.get("legal_basis", []))
        out["results"] = list(d.get("results", []))
        out["steps"] = [
            {"id": s["id"], "name": s.get("name", s["id"]), "kind": s.get("kind", "task"), "role": s["role"],
             "unit": s.get("unit", ""), "allowance": s.get("allowance"), "checkpoints": s.get("checkpoints", []),
             "outcomes": s.get("outcomes")}
            for s in raw_steps(d)
        ]
    return out


def procedures(session: Session, *, q: str | None = None, field: str | None = None, agency: str | None = None,
               on: date | None = None, page: int = 1, per_page: int = 20) -> Page:
    """The public listing: the version of each procedure in force, searchable without diacritics.

    The catalogue is small (hundreds of codes), so the latest versions come in
    one SQL statement and the accent-insensitive match runs on them.
    """
    stmt = _latest_versions(on)
    if on is not None:  # abolished procedures take no new dossiers and leave the listing
        stmt = stmt.where(or_(ProcedureVersion.abolished_from.is_(None), ProcedureVersion.abolished_from > on))
    if field:
        stmt = stmt.where(ProcedureVersion.field == field)
    if agency:
        stmt = stmt.where(ProcedureVersion.agency_id == agency)
    rows = session.execute(stmt.order_by(ProcedureVersion.field, ProcedureVersion.code)).all()
    if q and q.strip():
        phrase = " ".join(fold(q).split())
        words = phrase.split()
        hay = {r[0].code: " ".join(fold(f"{r[0].code} {r[0].name} {r[1] or ''}").split()) for r in rows}
        rows = [r for r in rows if all(w in hay[r[0].code] for w in words)]
        rows.sort(key=lambda r: phrase not in hay[r[0].code])  # the whole phrase first, then the catalogue order
    total = len(rows)
    chunk = rows[(page - 1) * per_page: page * per_page]
    fields = sorted({r[0].field for r in rows})
    return Page([_procedure_dict(r, n, False) for r, n in chunk], page, per_page, total, {"fields": fields})


def procedure(session: Session, code: str, on: date | None = None) -> dict[str, Any]:
    row = session.execute(_latest_versions(on).where(ProcedureVersion.code == code)).first()
    if row is None:
        raise NotFound(f"Không có thủ tục mã {code}.", code=code)
    return _procedure_dict(row[0], row[1], True)


def procedure_bpmn(session: Session, version_id: int) -> str:
    xml = session.execute(select(ProcedureVersion.bpmn_xml).where(ProcedureVersion.id == version_id)).scalar_one_or_none()
    if xml is None:
        raise NotFound(f"Không có phiên bản thủ tục #{version_id}.")
    return xml


def fields(session: Session) -> list[str]:
    return list(session.execute(select(ProcedureVersion.field).distinct().order_by(ProcedureVersion.field)).scalars())


# ---------------------------------------------------------------------- public

def mask_name(name: str) -> str:
    """'Nguyễn Văn An' -> 'N***** V** A*': the first letter of each word only."""
    return " ".join(w[0] + "*" * (len(w) - 1) for w in (name or "").split())


def mask_identifier(value: str, keep: int = 3) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def public_status(session: Session, code: str) -> dict[str, Any]:
    """What anyone may know of a dossier from its code: no personal data beyond masked initials."""
    competent = aliased(AgencyRow)
    row = session.execute(
        select(Dossier, ProcedureVersion.name, competent.name)
        .options(undefer(Dossier.applicant))
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .outerjoin(competent, competent.id == Dossier.agency_id)
        .where(Dossier.code == code.strip())
    ).first()
    if row is None:
        raise NotFound(f"Không tìm thấy hồ sơ mã {code}.", code=code)
    d, procedure_name, agency_name = row
    applicant = d.applicant or {}
    current = session.execute(
        select(Task.name).where(Task.dossier_id == d.id, Task.state.in_(("open", "waiting"))).order_by(Task.id)
    ).scalars().all()
    return {
        "code": d.code, "status": d.status, "status_label": label(d.status),
        "procedure_code": d.procedure_code, "procedure_name": procedure_name, "agency_name": agency_name or d.agency_id,
        "applicant_name": mask_name(applicant.get("name", "")),
        "applicant_id_number": mask_identifier(applicant.get("id_number", "")),
        "registered_at": d.registered_at, "received_at": d.received_at, "due_at": d.due_at,
        "extended_at": d.extended_at, "resolved_at": d.resolved_at, "returned_at": d.returned_at,
        "result": d.result, "timeliness": d.timeliness, "current_steps": list(current),
    }


__all__ = [
    "MAX_PER_PAGE", "Page", "can_view", "clamp", "dossier_detail", "dossier_summary", "dossiers", "events", "fields", "find_dossier",
    "fold", "inbox", "inbox_procedures", "issued_form", "mask_identifier", "mask_name", "procedure", "procedure_bpmn",
    "procedures", "public_status",
]
