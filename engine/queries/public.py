"""What anyone may know of a dossier from its code and the applicant's digits, with personal data masked.

The code alone shows nothing (codes are sequential: guessing them must not list
people): the lookup also takes the last :data:`DIGITS` digits of the applicant's
phone, or of their identity number when the dossier has no phone (both are on
the receipt, Mẫu 01). A wrong code and wrong digits get the same "not found".
A dossier with neither number cannot be looked up in public; the desk answers.
"""

from __future__ import annotations

import hmac
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


DIGITS = 4
NOT_FOUND = "Không tìm thấy hồ sơ với mã và {n} số cuối đã nhập. Hãy kiểm tra lại mã trên giấy tiếp nhận và {n} số cuối số điện thoại (hoặc số định danh) đã khai khi nộp."


def lookup_digits(applicant: dict[str, Any]) -> str | None:
    """The digits that open the public lookup: the phone's last 4, else the identity number's; None if neither has 4."""
    for field in ("phone", "id_number"):
        digits = "".join(ch for ch in str(applicant.get(field) or "") if "0" <= ch <= "9")
        if len(digits) >= DIGITS:
            return digits[-DIGITS:]
    return None


def public_status(session: Session, code: str, digits: str | None) -> dict[str, Any]:
    """A dossier's public status given its code and the applicant's last digits; masked initials only.

    Unknown code, wrong or missing digits: the same NotFound (no way to tell a code exists).
    """
    competent = aliased(AgencyRow)
    row = session.execute(
        select(Dossier, ProcedureVersion.name, competent.name)
        .options(undefer(Dossier.applicant))
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .outerjoin(competent, competent.id == Dossier.agency_id)
        .where(Dossier.code == code.strip())
    ).first()
    expected = lookup_digits(row[0].applicant or {}) if row is not None else None
    sent = (digits or "").strip()
    if row is None or expected is None or not hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode()):
        raise NotFound(NOT_FOUND.format(n=DIGITS), code=code)
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


__all__ = ["DIGITS", "NOT_FOUND", "lookup_digits", "mask_identifier", "mask_name", "public_status"]
