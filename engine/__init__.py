"""MotCua's engine: definitions, calendar, lifecycle, route runtime, commands, storage, audit.

The public names below are what ``api/`` and ``handlers/`` use. They are
imported on first use (PEP 562), so a tool that needs only the definitions
(``motcua validate``) does not load the database layer.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "SYSTEM": "policy", "Actor": "policy",
    "WorkingCalendar": "calendar",
    "FixedClock": "clock", "SystemClock": "clock",
    "Commands": "commands", "next_serial": "commands",
    "BadInput": "errors", "Conflict": "errors", "DefinitionError": "errors", "DomainError": "errors", "Forbidden": "errors",
    "IllegalTransition": "errors", "InvalidCommand": "errors", "NotFound": "errors",
    "HandlerContext": "outbox", "dispatch_pending": "outbox", "handler": "outbox",
    "Services": "services", "Settings": "services",
    "enqueue": "outbox", "dead_letters": "outbox", "retry": "outbox",
    "OutboxMessage": "outbox", "OutboxDelivery": "outbox",
    "Dossier": "storage.models", "IssuedForm": "storage.models",
    "Notification": "storage.alerts", "User": "storage.accounts",
    "FORMS": "definitions", "read_yaml": "definitions", "UNCONFIRMED": "labels",
    "ledger_numbers": "reports.books", "control_slip_content": "reports.books",
    "run_conformance": "quality.checks",
}

__all__ = [
    "SYSTEM", "Actor", "BadInput", "Commands", "Conflict", "DefinitionError", "DomainError", "FixedClock",
    "Forbidden", "HandlerContext", "IllegalTransition", "InvalidCommand", "NotFound", "Services",
    "Settings", "SystemClock", "WorkingCalendar", "dispatch_pending", "handler", "next_serial",
    "enqueue", "dead_letters", "retry", "OutboxMessage", "OutboxDelivery", "Dossier", "IssuedForm", "FORMS",
    "Notification", "UNCONFIRMED", "User", "ledger_numbers", "control_slip_content", "run_conformance", "read_yaml",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # for type checkers and editors
    from .calendar import WorkingCalendar
    from .clock import FixedClock, SystemClock
    from .commands import Commands, next_serial
    from .definitions import FORMS, read_yaml
    from .errors import (
        BadInput,
        Conflict,
        DefinitionError,
        DomainError,
        Forbidden,
        IllegalTransition,
        InvalidCommand,
        NotFound,
    )
    from .labels import UNCONFIRMED
    from .outbox import (
        HandlerContext,
        OutboxDelivery,
        OutboxMessage,
        dead_letters,
        dispatch_pending,
        enqueue,
        handler,
        retry,
    )
    from .policy import SYSTEM, Actor
    from .quality.checks import run_conformance
    from .reports.books import control_slip_content, ledger_numbers
    from .services import Services, Settings
    from .storage.accounts import User
    from .storage.alerts import Notification
    from .storage.models import Dossier, IssuedForm
