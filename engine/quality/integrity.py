"""Every check of the audit record, in one call (``motcua audit verify``, the quality pages).

1. the hash chains and what binds them to dossiers (``engine.audit.verify``);
2. each dossier row against the replay of its events (``replay.check``);
3. the Merkle tree against the last published, signed head (``anchor.check``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from .. import audit
from . import anchor, replay


@dataclass(frozen=True)
class Problem:
    check: str  # chain | replay | tree
    message: str
    broken: bool = True
    event_id: int | None = None

    def __str__(self) -> str:
        return self.message


CHECKS = {"chain": "Chuỗi băm", "replay": "Hồ sơ so với sự kiện", "tree": "Cây Merkle so với đầu cây đã công bố"}


def verify(session: Session, folder: Path | None) -> Iterator[Problem]:
    """Every problem found; ``broken`` ones mean the record was altered. ``folder``: the audit folder (None: no tree check)."""
    for item in audit.verify(session):
        yield Problem("chain", str(item), True, item.event_id)
    for mismatch in replay.check(session):
        yield Problem("replay", str(mismatch), True, mismatch.last_event_id)
    if folder is not None:
        for finding in anchor.check(session, folder):
            yield Problem("tree", str(finding), finding.broken, finding.event_id)


__all__ = ["CHECKS", "Problem", "verify"]
