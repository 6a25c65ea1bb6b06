"""The analyst's workbench in the engine: drafts of a definition, their validation, and publishing one by a decision.

A draft is the definition as typed (YAML) plus, for a drawn route, its BPMN.
:func:`check_draft` validates it exactly as ``motcua validate`` does (schema,
route rules, agencies and divisions from the database, the BPMN's elements),
every finding with its line. :func:`publish` never publishes a draft with an
error and never without a decision (number, issuer, dates): it writes the new
procedure version (effective from the decision's date), the decision row and
one ``decision.published`` audit event, in one transaction. Dossiers in
progress stay on the version they were received under; the dry run lists them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import Actor, record
from ..catalogue_sync import add_version, latest_versions
from ..definitions.bpmn import compile_route
from ..definitions.model import Procedure
from ..definitions.source import Problem, SourceError, load_located
from ..definitions.validate import Context, check, digest
from ..definitions.xmlfile import DEFAULT_LIMITS, Limits, decode
from ..errors import DefinitionError, InvalidCommand, NotFound
from ..events import DECISION_PUBLISHED, DEFINITION_DRAFTED
from ..lifecycle import CLOSED
from ..services import Services
from ..storage.decisions import DecisionRow
from ..storage.drafts import DraftRow
from ..storage.models import AgencyRow, DivisionRow, Dossier, ProcedureVersion

MAX_TEXT = 200_000  # characters of YAML in one draft


@dataclass
class Checked:
    procedure: Procedure | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class PublishPlan:
    """What publishing a draft would do: the version it becomes and the dossiers in progress it leaves alone."""

    code: str
    version: int
    previous: int | None
    in_progress: list[dict[str, Any]] = field(default_factory=list)  # {code, status, version}
    problems: list[Problem] = field(default_factory=list)


def _context(session: Session, bpmn: str | None, limits: Limits) -> Context:
    agencies = set(session.execute(select(AgencyRow.id)).scalars())
    divisions: dict[str, set[str]] = {a: set() for a in agencies}
    for agency_id, division_id in session.execute(select(DivisionRow.agency_id, DivisionRow.id)):
        divisions.setdefault(agency_id, set()).add(division_id)
    return Context(agencies=agencies, bpmn_text=bpmn if bpmn is not None else "",
                   divisions={a: frozenset(d) for a, d in divisions.items()}, limits=limits)


def check_draft(session: Session, text: str, bpmn: str | None, name: str = "định nghĩa", limits: Limits = DEFAULT_LIMITS) -> Checked:
    """Validate a definition as typed (and its drawn route); every problem names its line."""
    if len(text) > MAX_TEXT:
        return Checked(None, [Problem(name, 1, 1, f"định nghĩa dài quá {MAX_TEXT:,} ký tự".replace(",", "."))])
    try:
        located = load_located(text, name)
    except SourceError as exc:
        return Checked(None, [exc.problem])
    if not isinstance(located.data, dict):
        return Checked(None, [located.problem((), "định nghĩa thủ tục phải là một bảng (mapping) YAML")])
    if bpmn is not None:
        try:
            bpmn = decode(bpmn)
        except Exception as exc:  # noqa: BLE001 - an unreadable file is a finding
            return Checked(None, [Problem("BPMN", 1, 1, str(exc))])
    procedure, problems = check(located, _context(session, bpmn, limits))
    return Checked(procedure, problems)


def save_draft(services: Services, actor: Actor, code: str, text: str, bpmn: str | None, draft_id: int | None = None) -> tuple[DraftRow, Checked]:
    """Keep a draft (valid or not: a draft is work in progress) and say what validation finds."""
    now = services.now()
    with services.unit_of_work() as session:
        checked = check_draft(session, text, bpmn, f"{code}.yaml", services.settings.bpmn_limits)
        if checked.procedure is not None and checked.procedure.code != code:
            raise InvalidCommand(f"Mã trong định nghĩa ({checked.procedure.code}) khác mã của bản nháp ({code}).")
        row = session.get(DraftRow, draft_id) if draft_id is not None else None
        if draft_id is not None and row is None:
            raise NotFound(f"Không có bản nháp #{draft_id}.")
        if row is not None and row.published_at is not None:
            raise InvalidCommand(f"Bản nháp #{row.id} đã được công bố; hãy tạo bản nháp mới.")
        if row is None:
            row = DraftRow(code=code, text=text, bpmn_xml=bpmn, created_by=actor.id, created_at=now, updated_at=now)
            session.add(row)
        else:
            row.text, row.bpmn_xml, row.updated_at = text, bpmn, now
        session.flush()
        record(session, None, actor, DEFINITION_DRAFTED, {}, {"draft": row.id, "code": code, "errors": len(checked.errors)}, now)
        session.expunge(row)
    return row, checked


def draft(services: Services, draft_id: int) -> DraftRow:
    with services.sessions() as session:
        row = session.get(DraftRow, draft_id)
        if row is None:
            raise NotFound(f"Không có bản nháp #{draft_id}.")
        session.expunge(row)
    return row


def drafts_of(session: Session, code: str) -> list[DraftRow]:
    return list(session.execute(select(DraftRow).where(DraftRow.code == code).order_by(DraftRow.id.desc())).scalars())


def _plan(session: Session, row: DraftRow, limits: Limits) -> tuple[PublishPlan, Checked]:
    checked = check_draft(session, row.text, row.bpmn_xml, f"{row.code}.yaml", limits)
    previous = latest_versions(session).get(row.code)
    plan = PublishPlan(row.code, (previous or 0) + 1, previous, problems=checked.problems)
    dossiers = session.execute(
        select(Dossier.code, Dossier.status, ProcedureVersion.version)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .where(Dossier.procedure_code == row.code, Dossier.status.not_in(CLOSED))
        .order_by(Dossier.id)
    ).all()
    plan.in_progress = [{"code": c, "status": s, "version": v} for c, s, v in dossiers]
    return plan, checked


def dry_run(services: Services, draft_id: int) -> PublishPlan:
    """What publishing the draft would do (nothing is written)."""
    with services.sessions() as session:
        row = session.get(DraftRow, draft_id)
        if row is None:
            raise NotFound(f"Không có bản nháp #{draft_id}.")
        return _plan(session, row, services.settings.bpmn_limits)[0]


def _decision_id(number: str, code: str, draft_id: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", number.lower()).strip("-")[:60] or "khong-so"
    return f"web-{slug}-{code}-{draft_id}"


def publish(
    services: Services, actor: Actor, draft_id: int, *, number: str, title: str, issuer: str,
    signed: date, effective: date,
) -> PublishPlan:
    """Publish a valid draft by a decision: a new version from ``effective``, the decision row, one audit event."""
    number, title, issuer = number.strip(), title.strip(), issuer.strip()
    missing = [label for value, label in ((number, "số hiệu quyết định"), (title, "trích yếu"), (issuer, "người ký ban hành")) if not value]
    if missing:
        raise InvalidCommand("Chưa ghi " + ", ".join(missing) + ": không công bố khi không có quyết định.", missing=missing)
    if effective < signed:
        raise InvalidCommand("Ngày hiệu lực không được trước ngày ký quyết định.")
    now = services.now()
    with services.unit_of_work() as session:
        row = session.get(DraftRow, draft_id)
        if row is None:
            raise NotFound(f"Không có bản nháp #{draft_id}.")
        if row.published_at is not None:
            raise InvalidCommand(f"Bản nháp #{row.id} đã được công bố theo quyết định {row.decision_id}.")
        plan, checked = _plan(session, row, services.settings.bpmn_limits)
        if checked.procedure is None or checked.errors:
            raise DefinitionError("Định nghĩa còn lỗi; chưa công bố:\n" + "\n".join(str(p) for p in checked.errors[:20]))
        procedure = checked.procedure
        decision_id = _decision_id(number, row.code, row.id)
        if session.get(DecisionRow, decision_id) is not None:
            raise InvalidCommand(f"Quyết định {number} đã được dùng để công bố bản nháp này.")
        xml = row.bpmn_xml if procedure.bpmn_file else compile_route(procedure.code, procedure.name, procedure.steps, procedure.variants)
        data = procedure.raw | {"published_by": {"decision": number, "date": signed.isoformat(), "issuer": issuer}}
        value = digest(data)
        if session.execute(select(func.count()).select_from(ProcedureVersion).where(ProcedureVersion.digest == value)).scalar_one():
            value = hashlib.sha256(f"{value}:{decision_id}".encode()).hexdigest()
        add_version(
            session, code=procedure.code, version=plan.version, digest=value, name=procedure.name, field=procedure.field,
            agency=procedure.agency, effective_from=effective, decision=f"{number} ({signed:%d/%m/%Y})"[:120],
            confirmed=procedure.confirmed, definition=data, bpmn_xml=xml or "", created_at=now,
        )
        document = {"number": number, "title": title, "issuer": issuer, "signed": signed.isoformat(),
                    "effective": effective.isoformat(), "operations": [{"op": "publish", "codes": [procedure.code]}],
                    "draft": row.id}
        session.add(DecisionRow(
            id=decision_id, number=number, title=title, issuer=issuer, signed=signed, effective=effective,
            digest=hashlib.sha256(repr(sorted(document.items())).encode()).hexdigest(), document=document,
            applied_at=now, applied_by=actor.id, transfers_done_at=now,
        ))
        row.published_at, row.decision_id = now, decision_id
        record(session, None, actor, DECISION_PUBLISHED, {}, {
            "decision": decision_id, "number": number, "effective": effective.isoformat(),
            "changes": [{"kind": "changed" if plan.previous else "added", "code": procedure.code, "version": plan.version,
                         "agency": procedure.agency, "draft": row.id}],
        }, now)
    services.forget_caches()
    return plan


__all__ = ["Checked", "PublishPlan", "check_draft", "draft", "drafts_of", "dry_run", "publish", "save_draft"]
