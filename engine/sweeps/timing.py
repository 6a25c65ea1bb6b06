"""When each warning is due, from a step's or dossier's times and the working calendar.

The moments are computed again when an alarm fires, from the rows as they are
then: a due time moved by a pause, an apology or a calendar change moves the
warning with it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..calendar import WorkingCalendar
from .config import SweepSettings

STEP_NEAR_DUE = "step.near_due"
STEP_OVERDUE = "step.overdue"
STEP_ESCALATED = "step.escalated"
DOSSIER_NEAR_DUE = "dossier.near_due"
DOSSIER_DUE_SOON = "dossier.due_soon"
DOSSIER_OVERDUE = "dossier.overdue"
STEP_KINDS = (STEP_NEAR_DUE, STEP_OVERDUE, STEP_ESCALATED)
DOSSIER_KINDS = (DOSSIER_NEAR_DUE, DOSSIER_DUE_SOON, DOSSIER_OVERDUE)


def fraction_left(calendar: WorkingCalendar, start: datetime, due: datetime, fraction: float) -> datetime:
    """The moment when ``fraction`` of the working time from ``start`` to ``due`` is left.

    An allowance with no working time in it (clock hours at night) is split on the wall clock.
    """
    total = calendar.working_seconds_between(start, due)
    if total <= 0:
        return due - (due - start) * fraction
    return calendar.add_working_seconds(start, int(total * (1 - fraction)))


def working_days_before(calendar: WorkingCalendar, due: datetime, days: int) -> datetime:
    """The same local time ``days`` working days before the day of ``due``."""
    local = due.astimezone(calendar.tz)
    moment = local
    left = days
    while left > 0:
        moment -= timedelta(days=1)
        if calendar.is_working_day(moment.date()):
            left -= 1
    return moment


def working_days_after(calendar: WorkingCalendar, due: datetime, days: int) -> datetime:
    return calendar.add_working_seconds(due, days * calendar.seconds_per_day)


def step_moment(kind: str, calendar: WorkingCalendar, cfg: SweepSettings,
                ready_at: datetime | None, due_at: datetime | None) -> datetime | None:
    """When a step's warning of ``kind`` is due (None: the step has no due time)."""
    if due_at is None:
        return None
    if kind == STEP_NEAR_DUE:
        return fraction_left(calendar, ready_at or due_at, due_at, cfg.warn_fraction)
    if kind == STEP_OVERDUE:
        return due_at
    return working_days_after(calendar, due_at, cfg.escalate_after_days)


def dossier_moment(kind: str, calendar: WorkingCalendar, cfg: SweepSettings,
                   received_at: datetime | None, due_at: datetime | None) -> datetime | None:
    """When a dossier's warning of ``kind`` is due, against its statutory due time."""
    if due_at is None:
        return None
    if kind == DOSSIER_NEAR_DUE:
        return fraction_left(calendar, received_at or due_at, due_at, cfg.warn_fraction)
    if kind == DOSSIER_DUE_SOON:
        return working_days_before(calendar, due_at, cfg.warn_days_before)
    return due_at


__all__ = [
    "DOSSIER_DUE_SOON", "DOSSIER_KINDS", "DOSSIER_NEAR_DUE", "DOSSIER_OVERDUE", "STEP_ESCALATED", "STEP_KINDS",
    "STEP_NEAR_DUE", "STEP_OVERDUE", "dossier_moment", "fraction_left", "step_moment", "working_days_after",
    "working_days_before",
]
