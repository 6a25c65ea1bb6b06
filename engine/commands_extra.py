"""Commands the web intake needs that ``engine/commands.py`` does not have yet.

``request_supplement_at_intake``: the one-stop officer checks a dossier at the
desk, finds it incomplete and issues the supplement request (Mẫu 02) instead
of a receipt. The dossier is recorded as registered, then awaiting
supplement; no statutory clock runs. When the complete supplement arrives,
``Commands.receive_supplement`` receives it (its ``not was_received`` branch):
the clock starts, the route starts and the receipt (Mẫu 01) is issued.

It is written over the service layer's own building blocks so that it is one
unit of work with the same audit and outbox behaviour as every other command.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .audit import Actor, record
from .commands import STAFF_AT_DESK, Commands
from .storage.models import Dossier


def request_supplement_at_intake(
    commands: Commands,
    actor: Actor,
    procedure_code: str,
    applicant: dict[str, Any],
    items: Sequence[str],
    reason: str = "",
    channel: str = "direct",
    documents: Sequence[dict[str, Any] | str] = (),
    variant: str | None = None,
) -> Dossier:
    """Record an incomplete dossier at the desk and ask for everything missing in one notice (Mẫu 02)."""
    commands._require_role(actor, STAFF_AT_DESK)
    with commands.s.unit_of_work() as session:
        now = commands.s.now()
        dossier, loaded = commands._new_dossier(session, actor, procedure_code, applicant, channel, documents, now,
                                                variant)
        dossier.status = "registered"
        session.add(dossier)
        session.flush()
        record(session, dossier, actor, "dossier.registered", {}, commands._snapshot(dossier) | {"at_desk": True}, now)
        commands._request_supplement(session, dossier, loaded, actor, items, reason, now)
        return dossier


__all__ = ["request_supplement_at_intake"]
