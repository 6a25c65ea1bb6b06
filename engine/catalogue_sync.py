"""Load ``workflows/`` into the database: agencies (with their divisions) and one version per changed definition.

Idempotent: a definition whose digest is already stored adds nothing, so
``motcua setup`` can run again safely. A changed file becomes a new version
effective from its publishing decision's date (or today); dossiers already
received stay pinned to the version they were received under.

:func:`add_version` is the one writer of procedure versions: the decisions
(engine/decisions/applying.py) write theirs with it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .definitions import Catalog
from .errors import DefinitionError
from .storage.models import AgencyRow, DivisionRow, ProcedureVersion


@dataclass
class SyncReport:
    agencies: int = 0
    added: list[str] = field(default_factory=list)
    unchanged: int = 0


def sync_agencies(session: Session, catalog: Catalog) -> int:
    """Upsert the agencies of workflows/agencies.yaml and their divisions; a division no longer listed is removed."""
    for agency in catalog.agencies.values():
        row = session.get(AgencyRow, agency.id) or AgencyRow(id=agency.id)
        row.name, row.level, row.eid = agency.name, agency.level, agency.eid
        row.eid_confirmed, row.parent_id = agency.eid_confirmed, agency.parent
        session.add(row)
    session.flush()
    stored = {(d.agency_id, d.id): d for d in session.execute(select(DivisionRow)).scalars()}
    for agency in catalog.agencies.values():
        for division in agency.divisions:
            kept = stored.pop((agency.id, division.id), None) or DivisionRow(agency_id=agency.id, id=division.id)
            kept.name = division.name
            session.add(kept)
    for gone in stored.values():
        if gone.agency_id in catalog.agencies:  # an agency the catalogue no longer lists keeps its rows
            session.delete(gone)
    session.flush()
    return len(catalog.agencies)


def latest_versions(session: Session) -> dict[str, int]:
    """The highest version number stored for each procedure code."""
    query = select(ProcedureVersion.code, func.max(ProcedureVersion.version)).group_by(ProcedureVersion.code)
    return dict(session.execute(query).all())


def add_version(
    session: Session,
    *,
    code: str,
    version: int,
    digest: str,
    name: str,
    field: str,
    agency: str,
    effective_from: date | None,
    decision: str | None,
    confirmed: bool,
    definition: dict[str, Any],
    bpmn_xml: str,
    created_at: datetime,
    abolished_from: date | None = None,
) -> None:
    """Store one procedure version: the one writer of ``procedure_versions`` (setup and decisions alike)."""
    session.add(
        ProcedureVersion(
            code=code,
            version=version,
            digest=digest,
            name=name,
            field=field,
            agency_id=agency,
            effective_from=effective_from,
            abolished_from=abolished_from,
            decision=decision,
            confirmed=confirmed,
            definition=definition,
            bpmn_xml=bpmn_xml,
            created_at=created_at,
        )
    )


def sync_catalog(session: Session, catalog: Catalog, now: datetime) -> SyncReport:
    if catalog.errors:
        raise DefinitionError(
            "Định nghĩa thủ tục có lỗi; chưa nạp gì vào cơ sở dữ liệu:\n" + "\n".join(str(p) for p in catalog.errors)
        )
    report = SyncReport()
    report.agencies = sync_agencies(session, catalog)
    known = set(session.execute(select(ProcedureVersion.digest)).scalars())
    latest = latest_versions(session)
    for procedure in catalog.procedures.values():
        if procedure.digest in known:
            report.unchanged += 1
            continue
        published = procedure.published_by.get("date")
        effective = date.fromisoformat(published) if published else now.date()
        version = latest.get(procedure.code, 0) + 1
        add_version(
            session,
            code=procedure.code,
            version=version,
            digest=procedure.digest,
            name=procedure.name,
            field=procedure.field,
            agency=procedure.agency,
            effective_from=effective if version == 1 else max(effective, now.date()),
            decision=procedure.published_by.get("decision"),
            confirmed=procedure.confirmed,
            definition=procedure.raw,
            bpmn_xml=catalog.bpmn_xml(procedure),
            created_at=now,
        )
        report.added.append(f"{procedure.code} v{version}")
    session.flush()
    return report
