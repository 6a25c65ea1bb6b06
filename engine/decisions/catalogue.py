"""The catalogue the decisions make: as the database holds it, as workflows/CATALOGUE.md, and the decisions applied."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..storage.decisions import DecisionRow
from ..storage.models import ProcedureVersion
from .timeline import Timeline


def catalogue_in_db(session: Session, on: date) -> list[dict[str, Any]]:
    """The versions in force on ``on`` as the database holds them (abolished ones left out)."""
    rows = session.execute(
        select(ProcedureVersion)
        .where((ProcedureVersion.effective_from.is_(None)) | (ProcedureVersion.effective_from <= on))
        .order_by(ProcedureVersion.code, ProcedureVersion.effective_from.nulls_first(), ProcedureVersion.version)
    ).scalars()
    latest: dict[str, ProcedureVersion] = {}
    for row in rows:
        latest[row.code] = row
    return [
        {"code": r.code, "version": r.version, "name": r.name, "field": r.field, "agency": r.agency_id,
         "effective_from": r.effective_from, "decision": r.decision, "confirmed": r.confirmed}
        for r in sorted(latest.values(), key=lambda r: (r.field, r.code))
        if not (r.abolished_from is not None and r.abolished_from <= on)
    ]


def catalogue_index(timeline: Timeline, on: date | None = None) -> str:
    """workflows/CATALOGUE.md: the catalogue in force on ``on`` (default: latest) and its history."""
    from ..listing import catalogue_markdown

    marks = sorted({date(2024, 6, 30)} | {d.effective for d in timeline.decisions if d.effective})
    history = [(f"{d:%d/%m/%Y}", len(timeline.at(d))) for d in marks]
    return catalogue_markdown(timeline.at(on), timeline.catalog.agencies, on, history)


def applied(session: Session) -> list[DecisionRow]:
    return list(session.execute(select(DecisionRow).order_by(DecisionRow.effective.nulls_first(), DecisionRow.id)).scalars())
