"""The commands: the only way anything changes a dossier.

One module per stage (``intake``, ``tasks``, ``supplement``, ``closure``,
``competence``) declares its commands as frozen dataclasses and the function
that carries out each; ``kernel`` holds what they share. :meth:`Commands.handle`
is the one entry: it checks the actor's role for the command (``engine.policy``),
opens one unit of work (load, check, move, advance the route, write tasks,
one audit event per change, outbox rows) and commits once.

``commands.receive(actor, code, applicant)`` is a shorthand for
``commands.handle(actor, Receive(code, applicant))``: the positional order of
each command's fields is the order of its call.
"""

from __future__ import annotations

from typing import Any

from .. import policy, textcheck
from ..policy import Actor
from ..services import Services
from . import acting, closure, competence, intake, supplement, tasks  # noqa: F401  (register the handlers)
from .acting import ActAs, with_grants
from .assignment import AssignStep
from .base import BY_NAME, HANDLERS, Command
from .calendar import AnnounceDay, WithdrawDay
from .closure import CloseUnsupplemented, Extend, Refuse, ReturnResult, Withdraw
from .competence import TransferCompetence
from .intake import Applicant, Receive, RefuseIntake, RequestSupplementAtIntake, next_serial
from .kernel import Kernel
from .supplement import ReceiveSupplement, RequestSupplement
from .tasks import ClaimTask, CompleteStep


class Commands:
    """The service layer: every way in (API, CLI, scheduler, import) hands it commands."""

    def __init__(self, services: Services) -> None:
        self.s = services

    def handle(self, actor: Actor, command: Command) -> Any:
        """Carry out ``command`` for ``actor`` in one transaction; return what its handler returns."""
        textcheck.check(command)  # before anything reaches the database (issue 12: input at the edge)
        if command.action is not None:
            policy.require(actor, command.action)
        handler = HANDLERS[type(command)]
        with self.s.unit_of_work() as session:
            now = self.s.now()
            return handler(command, Kernel(self.s, session, with_grants(session, actor, now), now))

    def __getattr__(self, name: str) -> Any:
        command = BY_NAME.get(name)
        if command is None:
            raise AttributeError(f"'Commands' has no command {name!r}")

        def call(actor: Actor, *args: Any, **kwargs: Any) -> Any:
            return self.handle(actor, command(*args, **kwargs))

        call.__name__ = name
        call.__doc__ = command.__doc__
        return call


__all__ = [
    "ActAs", "AnnounceDay", "Applicant", "AssignStep", "ClaimTask", "CloseUnsupplemented", "Command", "Commands", "CompleteStep", "Extend", "Receive", "ReceiveSupplement",
    "Refuse", "RefuseIntake", "RequestSupplement", "RequestSupplementAtIntake", "ReturnResult", "TransferCompetence",
    "Withdraw", "WithdrawDay", "next_serial",
]
