"""What anyone may know of a dossier from its code, with personal data masked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, undefer

from ..errors import NotFound
from ..labels import status_label
from ..storage.models import AgencyRow, Dossier, ProcedureVersion, Task
from ..vocabulary import ACTIVE_TASK_STATES


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
        select(Task.name).where(Task.dossier_id == d.id, Task.state.in_(ACTIVE_TASK_STATES)).order_by(Task.id)
    ).scalars().all()
    return {
        "code": d.code, "status": d.status, "status_label": status_label(d.status),
        "procedure_code": d.procedure_code, "procedure_name": procedure_name, "agency_name": agency_name or d.agency_id,
        "applicant_name": mask_name(applicant.get("name", "")),
        "applicant_id_number": mask_identifier(applicant.get("id_number", "")),
        "registered_at": d.registered_at, "received_at": d.received_at, "due_at": d.due_at,
        "extended_at": d.extended_at, "resolved_at": d.resolved_at, "returned_at": d.returned_at,
        "result": d.result, "timeliness": d.timeliness, "current_steps": list(current),
    }


__all__ = ["mask_identifier", "mask_name", "public_status"]
