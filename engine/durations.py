"""The one human label of a duration (a deadline or a step's allowance) as written in a definition.

``Duration.label`` (engine/definitions/model.py) holds the words ('10 ngày làm
việc', '0,5 ngày làm việc', '4 giờ làm việc', '15 ngày'); this module gives the
same label for the raw forms a definition or a page holds: a mapping
(``{working_days: 10}``), ``not_counted``, or nothing (not confirmed yet).
"""

from __future__ import annotations

from typing import Any

from .definitions.model import Duration
from .labels import UNCONFIRMED

__all__ = ["NOT_COUNTED_LABEL", "UPDATING", "deadline_label", "duration_label"]

UPDATING = UNCONFIRMED
NOT_COUNTED_LABEL = "Không tính thời gian"
_UNITS = ("working_days", "working_hours", "hours", "calendar_days")


def duration_label(value: Duration | dict[str, Any] | str | None, *, missing: str = UPDATING) -> str:
    """'10 ngày làm việc'; 'Không tính thời gian' for ``not_counted``; ``missing`` when there is none."""
    if isinstance(value, Duration):
        return value.label()
    if not value:
        return missing
    if value == "not_counted":
        return NOT_COUNTED_LABEL
    if isinstance(value, dict) and any(unit in value for unit in _UNITS):
        unit = next(unit for unit in _UNITS if unit in value)
        return Duration.from_mapping({unit: value[unit]}).label()
    return str(value)


def deadline_label(definition: dict[str, Any]) -> str:
    """A definition's deadline: '10 ngày làm việc', or one 'case: deadline' per variant, joined by '; '."""
    if "variants" in definition:
        return "; ".join(f"{v['name']}: {duration_label(v['deadline'])}" for v in definition["variants"])
    return duration_label(definition["deadline"])
