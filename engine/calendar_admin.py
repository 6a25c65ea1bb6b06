"""Days off and make-up working days announced by an administrator in the web app.

They are stored in ``calendar_days`` (with the announcing document) and laid over
``workflows/calendar.yaml``'s entries. Adding or removing one is audited (an
event on the system chain) and recomputes the due times of the open dossiers
and steps it moves (see :mod:`engine.commands.calendar`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from .calendar.config import CalendarOverride
from .storage.alerts import CalendarDay

if TYPE_CHECKING:
    from .services import Services


def announced(session: Session) -> list[CalendarOverride]:
    """The entries in force (not removed), as calendar overrides."""
    rows = session.execute(
        select(CalendarDay).where(CalendarDay.removed_at.is_(None)).order_by(CalendarDay.day, CalendarDay.id)
    ).scalars()
    by_day = {r.day: CalendarOverride(r.day, r.kind, r.name, r.document) for r in rows}  # the latest wins
    return list(by_day.values())


_LAST_READ: dict[int, float] = {}


def refresh(services: Services, every: float = 0.0) -> None:
    """Lay the announced entries over ``services.calendar`` (at most once per ``every`` seconds):
    another process (a web worker, a scheduler) may have changed them."""
    key = id(services)
    if every and time.monotonic() - _LAST_READ.get(key, -every - 1) < every:
        return
    _LAST_READ[key] = time.monotonic()
    with services.sessions() as session:
        services.calendar.layer_overrides(announced(session))


__all__ = ["announced", "refresh"]
