"""MotCua's engine: definitions, calendar, lifecycle, route runtime, commands, storage, audit.

The public names below are what ``api/`` and ``handlers/`` use.
"""

from .audit import SYSTEM, Actor
from .calendar import WorkingCalendar
from .clock import FixedClock, SystemClock
from .commands import Commands, next_serial
from .errors import (
    Conflict,
    DefinitionError,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidCommand,
    NotFound,
)
from .outbox import HandlerContext, dispatch_pending, handler
from .services import Services, Settings

__all__ = [
    "SYSTEM", "Actor", "Commands", "Conflict", "DefinitionError", "DomainError", "FixedClock",
    "Forbidden", "HandlerContext", "IllegalTransition", "InvalidCommand", "NotFound", "Services",
    "Settings", "SystemClock", "WorkingCalendar", "dispatch_pending", "handler", "next_serial",
]
