"""Transfer of competence: a dossier in progress moves to the successor agency (a dated, audited event)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import InvalidCommand
from ..events import COMPETENCE_TRANSFERRED
from ..storage.models import Dossier
from .base import Command, handles
from .kernel import Kernel, nonempty


@dataclass(frozen=True)
class TransferCompetence(Command):
    """Move a dossier in progress to the successor agency, keeping its receipt and due times."""

    action = "transfer_competence"
    code: str
    to_agency: str
    legal_basis: str = ""
    effective: datetime | None = None


@handles(TransferCompetence, "transfer_competence")
def transfer_competence(cmd: TransferCompetence, k: Kernel) -> Dossier:
    legal_basis = nonempty([cmd.legal_basis], "căn cứ pháp lý")[0]
    dossier, _ = k.load(cmd.code, "transfer_competence")
    target = k.s.agency(k.session, cmd.to_agency)
    old = dossier.agency_id
    if old == target.id:
        raise InvalidCommand(f"Hồ sơ {dossier.code} đã thuộc {target.name}.")
    moved = []
    for task in k.open_tasks(dossier):
        if task.agency_id == old:
            # The old agency's division means nothing at the new one: the step is open to its role there.
            task.agency_id, task.claimed_by, task.claimed_at, task.division = target.id, None, None, None
            moved.append(task.id)
    dossier.agency_id = target.id
    k.record(
        dossier, COMPETENCE_TRANSFERRED,
        {"agency": old},
        {"agency": target.id, "legal_basis": legal_basis, "effective": cmd.effective or k.now, "tasks": moved,
         "received_at": dossier.received_at, "due_at": dossier.due_at},
    )
    return dossier


__all__ = ["TransferCompetence"]
