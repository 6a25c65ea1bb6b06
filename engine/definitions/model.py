"""Procedure definitions as immutable Python values, built from validated YAML."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .schema import END, SUPPLEMENT_OUTCOME

WORKING_DAY_HOURS = 8
# Units of elapsed time, day and night, holidays included (not working time).
CALENDAR_UNITS = ("hours", "calendar_days")


@dataclass(frozen=True)
class Duration:
    """An amount of time in one of the legal units."""

    amount: Decimal
    unit: str  # working_days | working_hours | hours (clock hours, day and night) | calendar_days

    @classmethod
    def from_mapping(cls, value: dict[str, Any]) -> Duration:
        (unit, amount), *_ = ((k, v) for k, v in value.items() if k != "note")
        return cls(Decimal(str(amount)), unit)

    @property
    def is_working(self) -> bool:
        return self.unit not in CALENDAR_UNITS

    @property
    def family(self) -> str:
        """Durations of one family add up: 'working' (days and hours of working time), 'hours', 'calendar_days'."""
        return "working" if self.is_working else self.unit

    def working_hours(self) -> Decimal:
        """The amount in working hours (only for working units)."""
        if self.unit == "working_days":
            return self.amount * WORKING_DAY_HOURS
        if self.unit == "working_hours":
            return self.amount
        raise ValueError("clock hours and calendar days have no working-hour equivalent")

    def label(self) -> str:
        """Vietnamese label, as printed on slips: '10 ngày làm việc'."""
        amount = f"{self.amount.normalize():f}".replace(".", ",")
        return {
            "working_days": f"{amount} ngày làm việc",
            "working_hours": f"{amount} giờ làm việc",
            "hours": f"{amount} giờ",
            "calendar_days": f"{amount} ngày",
        }[self.unit]

    def as_dict(self) -> dict[str, Any]:
        return {"amount": str(self.amount), "unit": self.unit}


DEFAULT_SUPPLEMENT_WAIT = Duration(Decimal(15), "working_days")


@dataclass(frozen=True)
class Checkpoint:
    id: str
    label: str
    required: bool = True


@dataclass(frozen=True)
class Step:
    id: str
    name: str
    kind: str
    role: str
    agency: str | None
    unit: str
    allowance: Duration | None  # None: not counted
    forms: tuple[str, ...]
    checkpoints: tuple[Checkpoint, ...]
    outcomes: dict[str, str]  # outcome -> target step id, END, or SUPPLEMENT_OUTCOME (stay)
    # The division (phòng) of the step's agency whose staff take it; None: anyone of the role at the agency.
    division: str | None = None

    @property
    def required_checkpoints(self) -> frozenset[str]:
        return frozenset(c.id for c in self.checkpoints if c.required)

    def target(self, outcome: str) -> str:
        return self.outcomes[outcome]


@dataclass(frozen=True)
class Variant:
    """One case of a procedure (e.g. a) cấp mới, b) giải thể), with its own deadline and route.

    A procedure without cases has one variant whose id is the empty string.
    """

    id: str
    name: str
    deadline: Duration
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Procedure:
    """One version of one procedure, as its definition file says."""

    code: str
    name: str
    field: str
    level: str
    agency: str
    channels: tuple[str, ...]
    online_mode: str | None
    legacy_level: int | None
    documents: tuple[dict[str, Any], ...]
    fees: tuple[dict[str, Any], ...]
    legal_basis: tuple[str, ...]
    deadline: Duration  # the first variant's, for listings that show one
    counting: str | None
    on_supplement: str
    published_by: dict[str, Any]
    unconfirmed: frozenset[str]
    steps: tuple[Step, ...]  # every step of every variant
    variants: tuple[Variant, ...]
    bpmn_file: str | None
    bpmn_process: str | None
    source_file: str
    digest: str  # sha256 of the definition's canonical JSON; identifies the version
    # dataclasses.field in full: the class has an attribute named ``field`` (the procedure's field).
    raw: dict[str, Any] = dataclasses.field(repr=False, compare=False, hash=False)
    # How long the applicant has to bring a requested supplement before the dossier is closed ("đóng hồ sơ"),
    # counted from the notice (LEGAL.md §4: 15 working days unless the procedure's own law says otherwise).
    supplement_wait: Duration = dataclasses.field(default_factory=lambda: DEFAULT_SUPPLEMENT_WAIT)

    @property
    def step_by_id(self) -> dict[str, Step]:
        return {s.id: s for s in self.steps}

    @property
    def confirmed(self) -> bool:
        """Runnable as the law says: its deadline and route come from a source."""
        return not (self.unconfirmed & {"deadline", "route"})

    @property
    def has_variants(self) -> bool:
        return len(self.variants) > 1

    def variant(self, variant_id: str | None) -> Variant:
        """The case a dossier runs; KeyError names the choices when it is missing or unknown."""
        if not self.has_variants and variant_id in (None, "", self.variants[0].id):
            return self.variants[0]
        for variant in self.variants:
            if variant.id == variant_id:
                return variant
        raise KeyError(", ".join(f"{v.id} ({v.name})" for v in self.variants))

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


def _checkpoint(value: Any) -> Checkpoint:
    if isinstance(value, str):
        return Checkpoint(value, value)
    return Checkpoint(value["id"], value.get("label", value["id"]), value.get("required", True))


def build_steps(raw_steps: list[dict[str, Any]], *, linear: bool) -> tuple[Step, ...]:
    """Steps with every outcome resolved to its target.

    In a YAML route (``linear``) a step without outcomes has one outcome,
    ``done``, leading to ``next`` or the following step; the last leads to END.
    """
    steps = []
    for i, raw in enumerate(raw_steps):
        following = raw.get("next") or (
            raw_steps[i + 1]["id"] if linear and i + 1 < len(raw_steps) else END
        )
        outcomes_raw = raw.get("outcomes") or ["done"]
        if isinstance(outcomes_raw, list):
            outcomes = {
                name: (SUPPLEMENT_OUTCOME if name == SUPPLEMENT_OUTCOME else following)
                for name in outcomes_raw
            }
        else:
            outcomes = {
                name: (SUPPLEMENT_OUTCOME if name == SUPPLEMENT_OUTCOME else target)
                for name, target in outcomes_raw.items()
            }
        allowance = raw["allowance"]
        steps.append(
            Step(
                id=raw["id"],
                name=raw.get("name", raw["id"]),
                kind=raw.get("kind", "task"),
                role=raw["role"],
                agency=raw.get("agency"),
                unit=raw.get("unit", ""),
                allowance=None if allowance == "not_counted" else Duration.from_mapping(allowance),
                forms=tuple(raw.get("forms", ())),
                checkpoints=tuple(_checkpoint(c) for c in raw.get("checkpoints", ())),
                outcomes=outcomes,
                division=raw.get("division"),
            )
        )
    return tuple(steps)


def raw_variants(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """The cases of a definition as plain data: ``{id, name, deadline, steps}`` each.

    A definition without ``variants`` has one case with the empty id.
    """
    if "variants" in definition:
        return [
            {"id": v["id"], "name": v["name"], "deadline": v["deadline"], "steps": v["route"]}
            for v in definition["variants"]
        ]
    route = definition.get("route", [])
    steps = route.get("steps", []) if isinstance(route, dict) else route
    return [{"id": "", "name": definition.get("name", ""), "deadline": definition.get("deadline"), "steps": steps}]


def raw_steps(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Every step of a definition, across its cases."""
    return [step for variant in raw_variants(definition) for step in variant["steps"]]
