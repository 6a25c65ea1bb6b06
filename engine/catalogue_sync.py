"""Load ``workflows/`` into the database: agencies (with their divisions) and one version per changed definition.

Idempotent: a definition whose digest is already stored adds nothing, so
``motcua setup`` can run again safely. A changed file becomes a new version
effective from its publishing decision's date (or today); dossiers already
received stay pinned to the version they were received under.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

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
            row = stored.pop((agency.id, division.id), None) or DivisionRow(agency_id=agency.id, id=division.id)
            row.name = division.name
            session.add(row)
    for row in stored.values():
        if row.agency_id in catalog.agencies:  # an agency the catalogue no longer lists keeps its rows
            session.delete(row)
    session.flush()
    return len(catalog.agencies)


def sync_catalog(session: Session, catalog: Catalog, now: datetime) -> SyncReport:
    if catalog.errors:
        raise DefinitionError(
            "Định nghĩa thủ tục có lỗi; chưa nạp gì vào cơ sở dữ liệu:\n" + "\n".join(str(p) for p in catalog.errors)
        )
    report = SyncReport()
    report.agencies = sync_agencies(session, catalog)
    known = set(session.execute(select(ProcedureVersion.digest)).scalars())
    latest = dict(session.execute(select(ProcedureVersion.code, func.max(ProcedureVersion.version)).group_by(ProcedureVersion.code)).all())
    for procedure in catalog.procedures.values():
        if procedure.digest in known:
            report.unchanged += 1
            continue
        published = procedure.published_by.get("date")
        effective = date.fromisoformat(published) if published else now.date()
        version = latest.get(procedure.code, 0) + 1
        session.add(
            ProcedureVersion(
                code=procedure.code,
                version=version,
                digest=procedure.digest,
                name=procedure.name,
                field=procedure.field,
                agency_id=procedure.agency,
                effective_from=effective if version == 1 else max(effective, now.date()),
                decision=procedure.published_by.get("decision"),
                confirmed=procedure.confirmed,
                definition=procedure.raw,
                bpmn_xml=catalog.bpmn_xml(procedure),
                created_at=now,
            )
        )
        report.added.append(f"{procedure.code} v{version}")
    session.flush()
    return report
