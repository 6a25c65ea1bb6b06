"""Writing one decision into the database: its plan, the new procedure versions, its row and audit event."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import Actor, record
from ..catalogue_sync import add_version, latest_versions, sync_agencies
from ..definitions.catalog import bpmn_xml
from ..definitions.model import Procedure
from ..definitions.source import Located, Problem
from ..definitions.validate import check
from ..errors import DefinitionError
from ..lifecycle import CLOSED
from ..services import Services
from ..storage.decisions import DecisionRow
from ..storage.models import Dossier, ProcedureVersion
from .model import Decision
from .report import Change, Report
from .timeline import Entry, Timeline
from .transfers import _local_today, run_transfers


def _in_progress(session: Session, code: str, agency: str | None = None) -> int:
    query = select(func.count(Dossier.id)).where(Dossier.procedure_code == code, Dossier.status.not_in(CLOSED))
    if agency is not None:
        query = query.where(Dossier.agency_id == agency)
    return int(session.execute(query).scalar_one())


def _salted(value: str, salt: str) -> str:
    return hashlib.sha256(f"{value}:{salt}".encode()).hexdigest()


def plan(session: Session, timeline: Timeline, decision: Decision) -> list[tuple[Change, Entry]]:
    """What the decision's entries change in the database (nothing is written)."""
    out: list[tuple[Change, Entry]] = []
    latest = latest_versions(session)
    known = {
        row.digest: row
        for row in session.execute(
            select(ProcedureVersion).where(ProcedureVersion.code.in_([e.code for e in timeline.entries_of(decision)]))
        ).scalars()
    }
    for entry in timeline.entries_of(decision):
        existing = known.get(entry.digest)
        if entry.op == "abolish":
            kind = "abolished"
        elif existing is not None and not entry.abolished and existing.effective_from == entry.effective:
            kind = "unchanged"
        elif entry.op == "transfer":
            kind = "moved"
        elif entry.code in latest:
            kind = "changed"
        else:
            kind = "added"
        version = None if kind == "unchanged" else latest.get(entry.code, 0) + 1
        if version is not None:
            latest[entry.code] = version
        in_progress = _in_progress(session, entry.code, entry.from_agency if kind == "moved" else None)
        change = Change(
            kind=kind, code=entry.code, name=entry.name, agency=entry.agency, from_agency=entry.from_agency,
            version=version, in_progress=in_progress,
            dossiers=_dossier_policy(decision, entry) if kind == "moved" else "",
        )
        out.append((change, entry))
    return out


def _dossier_policy(decision: Decision, entry: Entry) -> str:
    for op in decision.operations:
        if op.kind == "transfer" and op.from_agency == entry.from_agency and op.to_agency == entry.agency and (
            not op.codes or entry.code in op.codes
        ) and (not op.fields or entry.field in op.fields):
            return op.dossiers
    return "move"


def check_decision(timeline: Timeline, decision: Decision) -> list[Problem]:
    """The problems that concern this decision (its file, and the definition files it brings)."""
    files = {decision.file} | {e.source_file for e in timeline.entries_of(decision) if e.source_file}
    found = [*timeline.problems, *timeline.catalog.problems]
    own = [p for p in found if p.file in files or p.file.startswith(decision.file + " (")]
    return sorted(set(own))


def apply(
    services: Services,
    timeline: Timeline,
    decision: Decision,
    actor: Actor,
    *,
    dry_run: bool = False,
) -> Report:
    """Write one decision into the database (or, with ``dry_run``, only say what it would do)."""
    errors = [p for p in check_decision(timeline, decision) if p.severity == "error"]
    if errors:
        raise DefinitionError(
            f"Quyết định {decision.label} có lỗi; chưa áp dụng:\n" + "\n".join(str(p) for p in errors)
        )
    report = Report(decision=decision, dry_run=dry_run)
    with services.unit_of_work() as session:
        row = session.get(DecisionRow, decision.id)
        if row is not None:
            if row.digest != decision.digest:
                raise DefinitionError(
                    f"Quyết định {decision.label} ({decision.id}) đã được áp dụng ngày {row.applied_at:%d/%m/%Y} với nội dung khác. "
                    "Quyết định đã ban hành không sửa được: hãy ghi một quyết định mới (sửa đổi, bãi bỏ)."
                )
            report.already_applied = True
            pending = row.transfers_done_at is None and _has_moves(decision)
        else:
            earlier = [d.label for d in timeline.decisions if d.sort_key < decision.sort_key and session.get(DecisionRow, d.id) is None]
            if earlier:
                report.warnings.append("các quyết định trước chưa được áp dụng: " + "; ".join(earlier[:5]) + (" …" if len(earlier) > 5 else ""))
            planned = plan(session, timeline, decision)
            report.changes = [c for c, _ in planned]
            if dry_run:
                session.rollback()
                return report
            sync_agencies(session, timeline.catalog)  # a decision may name new agencies
            now = services.now()
            for change, entry in planned:
                if change.kind == "unchanged":
                    continue
                _write_version(session, timeline, decision, change, entry, now)
            session.add(DecisionRow(
                id=decision.id, number=decision.number, title=decision.title, issuer=decision.issuer,
                signed=decision.signed, effective=decision.effective, digest=decision.digest,
                document=decision.raw, applied_at=now, applied_by=actor.id,
                transfers_done_at=None if _has_moves(decision) else now,
            ))
            record(session, None, actor, "decision.published", {}, {
                "decision": decision.id, "number": decision.number, "effective": decision.effective.isoformat() if decision.effective else None,
                "changes": [{"kind": c.kind, "code": c.code, "version": c.version, "agency": c.agency} for c in report.changes if c.kind != "unchanged"],
            }, now)
            pending = _has_moves(decision)
    services.forget_caches()
    if pending and not dry_run:
        if decision.effective is None or decision.effective <= _local_today(services):
            report.moved_dossiers = run_transfers(services, timeline, decision, actor)
        else:
            report.pending_transfer = True
    return report


def _has_moves(decision: Decision) -> bool:
    return any(op.kind == "transfer" for op in decision.operations)


def _write_version(session: Session, timeline: Timeline, decision: Decision, change: Change, entry: Entry, now: datetime) -> None:
    agencies = set(timeline.catalog.agencies)
    procedure = _procedure(entry, agencies, timeline)
    value = entry.digest
    if entry.abolished:
        value = _salted(value, f"abolish:{decision.id}")
    clash = session.execute(select(ProcedureVersion.id).where(ProcedureVersion.digest == value)).first()
    if clash:
        value = _salted(value, decision.id)
    add_version(
        session, code=entry.code, version=change.version, digest=value, name=entry.name, field=entry.field,  # type: ignore[arg-type]
        agency=entry.agency, effective_from=entry.effective,
        abolished_from=(entry.effective or date.min) if entry.abolished else None,
        decision=decision.label[:120], confirmed=entry.confirmed, definition=entry.definition,
        bpmn_xml=bpmn_xml(procedure, timeline.catalog.root / "bpmn"), created_at=now,
    )
    session.flush()


def _procedure(entry: Entry, agencies: set[str], timeline: Timeline) -> Procedure:
    from ..definitions.validate import Context

    procedure, problems = check(Located(entry.source_file or entry.code, entry.definition), Context(agencies=agencies, bpmn_dir=timeline.catalog.root / "bpmn"))
    if procedure is None:
        raise DefinitionError("; ".join(str(p) for p in problems))
    return procedure
