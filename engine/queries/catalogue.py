"""The procedures as the catalogue holds them: the public listing, one procedure, its diagram, the fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from ..definitions.model import raw_steps, raw_variants
from ..errors import NotFound
from ..storage.models import AgencyRow, ProcedureVersion
from ..text import fold
from .paging import Page


def _latest_versions(on: date | None) -> Select:
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
             "agency": s.get("agency"), "unit": s.get("unit", ""), "allowance": s.get("allowance"), "checkpoints": s.get("checkpoints", []),
             "outcomes": s.get("outcomes")}
            for s in raw_steps(d)
        ]
    return out


def procedures(session: Session, *, q: str | None = None, field: str | None = None, agency: str | None = None,
               on: date | None = None, page: int = 1, per_page: int = 20) -> Page:
    """The public listing: the version of each procedure in force, searchable without diacritics.

    The catalogue is small (hundreds of codes), so the latest versions come in
    one SQL statement and the accent-insensitive match (:func:`engine.text.fold`) runs on them.
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
        phrase = fold(q)
        words = phrase.split()
        hay = {r[0].code: fold(f"{r[0].code} {r[0].name} {r[1] or ''}") for r in rows}
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


__all__ = ["fields", "procedure", "procedure_bpmn", "procedures"]


def analyst_catalogue(session: Session, *, field: str | None = None, agency: str | None = None,
                      confirmed: bool | None = None, on: date | None = None) -> list[dict[str, Any]]:
    """The analyst's catalogue: each procedure's version in force on ``on`` (or its latest), filtered."""
    stmt = _latest_versions(on)
    if on is not None:
        stmt = stmt.where(or_(ProcedureVersion.abolished_from.is_(None), ProcedureVersion.abolished_from > on))
    if field:
        stmt = stmt.where(ProcedureVersion.field == field)
    if agency:
        stmt = stmt.where(ProcedureVersion.agency_id == agency)
    if confirmed is not None:
        stmt = stmt.where(ProcedureVersion.confirmed.is_(confirmed))
    rows = session.execute(stmt.order_by(ProcedureVersion.field, ProcedureVersion.code)).all()
    return [_procedure_dict(r, n, False) for r, n in rows]


def versions(session: Session, code: str) -> list[ProcedureVersion]:
    """Every stored version of a procedure, oldest first."""
    rows = list(session.execute(select(ProcedureVersion).where(ProcedureVersion.code == code).order_by(ProcedureVersion.version)).scalars())
    if not rows:
        raise NotFound(f"Không có thủ tục mã {code}.", code=code)
    return rows


def agencies_in_catalogue(session: Session) -> list[tuple[str, str]]:
    """(id, name) of the agencies that have procedures."""
    return [(a, n or a) for a, n in session.execute(
        select(ProcedureVersion.agency_id, AgencyRow.name).outerjoin(AgencyRow, AgencyRow.id == ProcedureVersion.agency_id)
        .distinct().order_by(ProcedureVersion.agency_id)
    ).all()]
