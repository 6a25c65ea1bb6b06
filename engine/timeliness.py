"""Early, on time or late: the II.06a classification of a step or a dossier (LEGAL.md §7).

A moment is early when it falls on a calendar day before the due day, on time
up to the due moment, late after it. A dossier is classified against its
statutory due time; an apology (a new appointment) counts it late, and so does
lateness incurred before a supplement request (``late_incurred``): a late
dossier never becomes early or on time by a supplement that restarts its clock.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from .vocabulary import Timeliness


def timeliness(done_at: datetime, due_at: datetime | None, tz: tzinfo) -> Timeliness | None:
    """The class of something done at ``done_at`` against ``due_at`` (None: no due time)."""
    if due_at is None:
        return None
    if done_at > due_at:
        return Timeliness.LATE
    if done_at.astimezone(tz).date() < due_at.astimezone(tz).date():
        return Timeliness.EARLY
    return Timeliness.ON_TIME


def classify_dossier(dossier: Any, now: datetime, tz: tzinfo) -> Timeliness | None:
    """A finished dossier's class: against its statutory due time, late if it was ever extended or already late."""
    if dossier.extended_at is not None or getattr(dossier, "late_incurred", None):
        return Timeliness.LATE
    return timeliness(dossier.resolved_at or dossier.returned_at or now, dossier.statutory_due_at, tz)


__all__ = ["classify_dossier", "timeliness"]
