"""Close every dossier whose supplement waiting period has run out (one pass, as the system actor).

One indexed query (:func:`engine.queries.closure.due_for_closure`) finds them; each is
closed by its own ``CloseUnsupplemented`` command, so one failure stops nothing else and a
dossier whose supplement arrived (or that another process closed) in the meantime is
simply skipped: the command checks status and period again under its own transaction.
The scheduler calls :func:`close_due` on its timer; ``motcua close-unsupplemented`` runs one pass.
"""

from __future__ import annotations

import logging

from .commands import CloseUnsupplemented, Commands
from .errors import DomainError
from .policy import SYSTEM
from .queries.closure import due_for_closure
from .services import Services

log = logging.getLogger(__name__)


def close_due(services: Services, limit: int = 500) -> list[str]:
    """Close the dossiers due for closure now (at most ``limit``); the codes closed, in order."""
    now = services.now()
    with services.sessions() as session:
        due = due_for_closure(session, now, limit)
    commands = Commands(services)
    closed = []
    for item in due:
        try:
            commands.handle(SYSTEM, CloseUnsupplemented(item.code))
        except DomainError as error:  # supplemented or closed meanwhile: nothing to do
            log.info("not closed %s: %s", item.code, error)
            continue
        closed.append(item.code)
    return closed


__all__ = ["close_due"]
