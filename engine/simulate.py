"""Drive dossiers along their routes through the commands, as the staff would.

One driver for everything that plays the staff rather than being them: the tests
that need a dossier at some step, the demo data (``motcua setup --demo``) and the
engine benchmark. It changes dossiers only by the commands (claim, complete,
return the result), so a dossier it makes is one a desk could have made.

    driver = Driver(commands, actors_by_role)
    dossier = commands.receive(desk, "1.001806", applicant)
    driver.run(dossier)                    # every step, first way forward, until the result is returned
    driver.run(dossier, until="approve")   # ... until the dossier waits at the step ``approve``
    driver.run(dossier, steps=2)           # two steps
    driver.take(dossier, outcome="request_supplement", supplement_items=[...])  # one step, as chosen

Each step: read the dossier's next open step (``read``), choose its outcome and the
checkpoints to confirm (``choose``: by default the step's first outcome that is not a
detour, and its required checkpoints, from the definition the dossier is pinned to),
claim it (unless ``claim=False``: the engine lets one complete an unclaimed step),
complete it, or hand back the result for a return step. Both ``read`` and ``choose``
can be replaced, so a benchmark can read the next step with one plain statement and
take its outcomes from a fixed plan without loading the definition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from sqlalchemy import bindparam, select

from .commands import Commands
from .policy import Actor
from .services import Services
from .storage.models import Dossier, Task
from .vocabulary import CLOSED_STATUSES, StepKind, TaskState

# Outcomes that turn a dossier aside from its way to the result: the driver takes them only when told.
DETOURS = frozenset({"request_supplement", "propose_refusal", "send_back"})


class OpenStep(NamedTuple):
    """A dossier's open step, with what the driver needs to act on it (the columns of its task row)."""

    task_id: int
    step_id: str
    role: str
    kind: str
    agency_id: str
    division: str | None


Reader = Callable[[int], "OpenStep | None"]  # dossier id -> its next open step, or None
Choice = tuple["str | None", Sequence[str]]  # outcome (None: the engine's default), checkpoints to confirm
Chooser = Callable[[Dossier, OpenStep], Choice]

_OPEN_STEP = (
    select(Task.id, Task.step_id, Task.role, Task.kind, Task.agency_id, Task.division)
    .where(Task.dossier_id == bindparam("dossier"), Task.state == TaskState.OPEN)
    .order_by(Task.id)
    .limit(1)
)


def first_open_step(services: Services) -> Reader:
    """The default reader: the dossier's oldest open step, read in a session of its own."""

    def read(dossier_id: int) -> OpenStep | None:
        with services.sessions() as session:
            row = session.execute(_OPEN_STEP, {"dossier": dossier_id}).first()
        return OpenStep(*row) if row is not None else None

    return read


def forward(services: Services) -> Chooser:
    """The default choice: the step's first outcome that is not a detour, and its required checkpoints."""

    def choose(dossier: Dossier, step: OpenStep) -> Choice:
        with services.sessions() as session:
            definition = services.version(session, dossier.procedure_version_id).procedure.step(step.step_id)
        outcome = next(o for o in definition.outcomes if o not in DETOURS)
        return outcome, sorted(definition.required_checkpoints)

    return choose


def planned(outcomes: Mapping[str, str], checkpoints: Mapping[str, Sequence[str]], default: str | None = None) -> Chooser:
    """A fixed plan by step id (no definition read): ``outcomes[step]`` or ``default``, ``checkpoints[step]`` or none."""

    def choose(dossier: Dossier, step: OpenStep) -> Choice:
        return outcomes.get(step.step_id, default), checkpoints.get(step.step_id, ())

    return choose


class Driver:
    """Takes dossiers' steps through ``commands`` with the actor of each step's role.

    ``actors``: an actor per role, or a function giving the actor for an open step (e.g. one per
    agency for a chain across agencies). ``before_step`` is called with each step :meth:`run`
    is about to take (a simulation moves its clock there).
    """

    def __init__(
        self,
        commands: Commands,
        actors: Mapping[str, Actor] | Callable[[OpenStep], Actor],
        *,
        claim: bool = True,
        read: Reader | None = None,
        choose: Chooser | None = None,
        before_step: Callable[[OpenStep], object] | None = None,
    ) -> None:
        self.commands = commands
        if isinstance(actors, Mapping):
            by_role = actors
            self.actor: Callable[[OpenStep], Actor] = lambda step: by_role[step.role]
        else:
            self.actor = actors
        self.claim = claim
        self.read = read or first_open_step(commands.s)
        self.choose = choose or forward(commands.s)
        self.before_step = before_step

    def next_step(self, dossier: Dossier) -> OpenStep | None:
        """The dossier's next open step, or None."""
        return self.read(dossier.id)

    def take(
        self,
        dossier: Dossier,
        step: OpenStep | None = None,
        outcome: str | None = None,
        checkpoints: Sequence[str] | None = None,
        **extra: object,
    ) -> Dossier:
        """Take one step (``step``, or the dossier's next): claim it and complete it, or return the result.

        ``outcome`` and ``checkpoints`` default to the driver's choice; ``extra`` goes to the completion
        (``note``, ``supplement_items``, ``expected_version``). Returns the dossier as the command left it.
        """
        if step is None:
            step = self.read(dossier.id)
            if step is None:
                raise LookupError(f"hồ sơ {dossier.code}: không còn bước nào đang mở")
        actor = self.actor(step)
        commands = self.commands
        if self.claim:
            commands.claim(actor, step.task_id)
        if step.kind == StepKind.RETURN:
            return commands.return_result(actor, dossier.code)
        if outcome is None or checkpoints is None:
            chosen, confirmed = self.choose(dossier, step)
            outcome = chosen if outcome is None else outcome
            checkpoints = confirmed if checkpoints is None else checkpoints
        return commands.complete(actor, step.task_id, outcome, checkpoints, **extra)

    def run(self, dossier: Dossier, *, until: str | None = None, steps: int | None = None) -> Dossier:
        """Take the dossier's steps one after another, each as chosen; return the dossier as the last command left it.

        Stops when the dossier is closed (its result returned) or has no open step, when the next open
        step is ``until`` (not taken), or after ``steps`` steps.
        """
        taken = 0
        while steps is None or taken < steps:
            step = self.read(dossier.id)
            if step is None or step.step_id == until:
                break
            if self.before_step is not None:
                self.before_step(step)
            dossier = self.take(dossier, step)
            taken += 1
            if dossier.status in CLOSED_STATUSES:
                break
        return dossier


__all__ = ["DETOURS", "Driver", "OpenStep", "first_open_step", "forward", "planned"]
