"""Working calendar: office hours, Vietnamese public holidays and deadline arithmetic.

Every deadline of a dossier (the whole procedure, each step's allowance, the
transfer after intake) is computed here. Rules (see docs LEGAL §3):

* A working day is Monday–Friday, minus the Vietnamese public holidays known to
  the ``holidays`` package (country VN, including observed and swap days), plus
  the make-up Saturdays the package lists in ``weekend_workdays``; administrator
  overrides from ``workflows/calendar.yaml`` win over all of that.
* Working time is the office periods (default 07:30–11:30 and 13:00–17:00) of a
  working day; one working day is the total length of those periods (8 h).
* Two counting modes: ``working_hours`` (production practice: N days = N × 8 h of
  working time from the receipt) and ``civil_code`` (Civil Code 2015 art. 147–148:
  the first day is not counted and a period ends at the end of its last day).

The package, by job: ``config`` (the settings and their checks), ``working``
(``WorkingCalendar``: days, moments, arithmetic), ``loading`` (calendar.yaml on
the definitions' located loader, problems as ``file:line:column``).
"""

from __future__ import annotations

from .config import (
    COUNTING_MODES,
    MAKE_UP_DAY_NAME,
    OVERRIDE_KINDS,
    UNITS,
    CalendarError,
    CalendarOverride,
)
from .working import WorkingCalendar

__all__ = [
    "COUNTING_MODES",
    "MAKE_UP_DAY_NAME",
    "OVERRIDE_KINDS",
    "UNITS",
    "CalendarError",
    "CalendarOverride",
    "WorkingCalendar",
]
