"""Commands as values, and the one entry that runs them.

A command is a frozen dataclass naming what someone wants done (``Receive``,
``CompleteStep``...). :func:`handle` checks the actor's role for it (the access
policy), opens one unit of work, runs the command's handler with a
:class:`~engine.commands.kernel.Kernel`, and commits once. Because a command
is a value, the API builds it from the same validated body, a bulk import
can write it, a simulation can replay it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ..errors import InvalidCommand

if TYPE_CHECKING:
    from .kernel import Kernel


@dataclass(frozen=True)
class Command:
    """Base of every command. ``action`` names its rule in ``engine.policy.ACTIONS`` (None: checked per step)."""

    action: ClassVar[str | None] = None

    @classmethod
    def from_body(cls, body: dict[str, Any], **extra: Any) -> Command:
        """The command from a request body already validated against its schema (unknown keys are refused)."""
        names = {f.name for f in fields(cls)}
        unknown = set(body) - names
        if unknown:
            raise InvalidCommand(f"Trường không hợp lệ: {', '.join(sorted(unknown))}.", fields=sorted(unknown))
        return cls(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in body.items()}, **extra)


C = TypeVar("C", bound=Command)
Handler = Callable[[Any, "Kernel"], Any]
HANDLERS: dict[type[Command], Handler] = {}
# The call form ``commands.receive(actor, ...)``: snake_case name -> command class.
BY_NAME: dict[str, type[Command]] = {}


def handles(command: type[C], name: str) -> Callable[[Callable[[C, Kernel], Any]], Callable[[C, Kernel], Any]]:
    """Register the function that carries out ``command`` (one per command)."""

    def register(func: Callable[[C, Kernel], Any]) -> Callable[[C, Kernel], Any]:
        HANDLERS[command] = func
        BY_NAME[name] = command
        return func

    return register


__all__ = ["BY_NAME", "HANDLERS", "Command", "handles"]
