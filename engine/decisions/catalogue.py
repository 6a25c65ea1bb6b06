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


RULE_FILE = "catalogue-rule.md"  # beside CATALOGUE.md: how the catalogue was chosen (tools/build_catalogue.py writes it)


def catalogue_index(timeline: Timeline, on: date | None = None) -> str:
    """workflows/CATALOGUE.md: the rule that chose the catalogue, the catalogue in force on ``on``
    (default: latest), its history and what was abolished.

    The history starts at the date a reconstructed state describes (30/06/2024 where none is).
    """
    from ..listing import catalogue_markdown

    rebuilt = {d.reconstructed_as_of for d in timeline.decisions if d.reconstructed_as_of and not d.effective}
    marks = sorted((rebuilt or {date(2024, 6, 30)}) | {d.effective for d in timeline.decisions if d.effective})
    history = [(f"{d:%d/%m/%Y}", len(timeline.at(d))) for d in marks]
    rule_path = timeline.catalog.root / RULE_FILE
    rule = rule_path.read_text(encoding="utf-8") if rule_path.is_file() else ""
    rule = "\n".join(line for line in rule.splitlines() if not line.startswith("<!--"))
    return catalogue_markdown(timeline.at(on), timeline.catalog.agencies, on, history, rule=rule,
                              abolished=timeline.abolished_at(on))


def applied(session: Session) -> list[DecisionRow]:
    return list(session.execute(select(DecisionRow).order_by(DecisionRow.effective.nulls_first(), DecisionRow.id)).scalars())
