"""Dossiers whose applicant let the supplement waiting period run out: the scheduler closes them.

:func:`due_for_closure` is one indexed statement (``ix_dossiers_supplement_wait``:
status, then the end of the waiting period), never a scan of the open dossiers.
The scheduler runs ``CloseUnsupplemented`` (``engine.commands``) as the system
actor for each code it returns; the command checks the period again, so a
supplement that arrived meanwhile wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from ..storage.rows import DOSSIERS
from ..vocabulary import Status

_DUE = (
    select(DOSSIERS.c.id, DOSSIERS.c.code, DOSSIERS.c.supplement_wait_until)
    .where(DOSSIERS.c.status == Status.AWAITING_SUPPLEMENT, DOSSIERS.c.supplement_wait_until <= bindparam("at"))
    .order_by(DOSSIERS.c.supplement_wait_until, DOSSIERS.c.id)
    .limit(bindparam("limit"))
)


@dataclass(frozen=True)
class DueClosure:
    dossier_id: int
    code: str
    wait_until: datetime  # when the applicant's waiting period ended


def due_for_closure(bind: Session | Connection, at: datetime, limit: int = 500) -> list[DueClosure]:
    """Dossiers awaiting a supplement whose waiting period ended at or before ``at``, oldest first (at most ``limit``)."""
    if at.tzinfo is None:
        raise ValueError("due_for_closure needs an aware datetime")
    rows = bind.execute(_DUE, {"at": at, "limit": limit}).all()
    return [DueClosure(row.id, row.code, row.supplement_wait_until) for row in rows]


__all__ = ["DueClosure", "due_for_closure"]
