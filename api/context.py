"""What every view of every blueprint reads from the application: the services, the commands, today.

One place for the request's clock and time zone, so "today" (the local date
that picks the procedure version in force) is computed the same way by the
staff pages, the public pages and the REST API.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from datetime import date, datetime
from typing import Any

from flask import current_app

from engine import Commands, Services


def services() -> Services:
    return current_app.extensions["motcua"]


def commands() -> Commands:
    return current_app.extensions["motcua.commands"]


def now() -> datetime:
    return services().now()


def tz() -> Any:
    return services().calendar.tz


def today() -> date:
    """The local date (Asia/Ho_Chi_Minh) of the services' clock."""
    return now().astimezone(tz()).date()


def default(command: type, name: str) -> Any:
    """The default of a command's field (``default(Receive, "channel")``): stated once, on the dataclass."""
    for f in fields(command):
        if f.name == name:
            if f.default is not MISSING:
                return f.default
            if f.default_factory is not MISSING:
                return f.default_factory()
            break
    raise KeyError(f"{command.__name__}.{name} has no default")


__all__ = ["commands", "default", "now", "services", "today", "tz"]
