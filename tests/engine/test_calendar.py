"""Tests of engine.calendar: working days, deadlines in both counting modes, the 15:00 rule.

Every expected value below was worked out by hand from the published calendar
(LEGAL §3 and the holiday list in shared/data/vn_holidays_2024_2027.json, copied
into PUBLISHED_OFF_DAYS below), never by calling the code under test.
Weekday anchors used throughout: 2026-03-10 is a Tuesday, 2026-02-12 a Thursday,
2025-04-26 and 2026-08-22 are Saturdays (checked in test_weekday_anchors).
"""

from __future__ import annotations

import random
import time as _time
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from engine.calendar import (
    COUNTING_MODES,
    MAKE_UP_DAY_NAME,
    UNITS,
    CalendarError,
    CalendarOverride,
    WorkingCalendar,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
REPO = Path(__file__).resolve().parents[2]


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=VN)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.fixture(scope="module")
def civil() -> WorkingCalendar:
    return WorkingCalendar(counting="civil_code")


# Days off 2024–2027 as published (holidays 0.109 list in shared/data, which
# matches the public-sector announcements quoted in LEGAL §3), weekends included.
PUBLISHED_OFF_DAYS = {
    # 2024
    "2024-01-01", "2024-02-08", "2024-02-09", "2024-02-10", "2024-02-11", "2024-02-12",
    "2024-02-13", "2024-02-14", "2024-04-18", "2024-04-29", "2024-04-30", "2024-05-01",
    "2024-09-02", "2024-09-03",
    # 2025
    "2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
    "2025-02-01", "2025-04-07", "2025-04-30", "2025-05-01", "2025-05-02", "2025-09-01",
    "2025-09-02",
    # 2026
    "2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
    "2026-04-26", "2026-04-27", "2026-04-30", "2026-05-01", "2026-08-31", "2026-09-01",
    "2026-09-02", "2026-11-24",
    # 2027
    "2027-01-01", "2027-02-04", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08",
    "2027-02-09", "2027-02-10", "2027-04-16", "2027-04-30", "2027-05-01", "2027-05-03",
    "2027-09-02", "2027-09-03", "2027-11-24",
}  # fmt: skip
PUBLISHED_MAKE_UP_SATURDAYS = {"2024-05-04", "2025-04-26", "2026-08-22"}
OFF = {date.fromisoformat(s) for s in PUBLISHED_OFF_DAYS}
MAKE_UP = {date.fromisoformat(s) for s in PUBLISHED_MAKE_UP_SATURDAYS}


def test_weekday_anchors() -> None:
    # Guards the hand computations: if these were wrong, so would the expectations be.
    assert date(2026, 3, 10).strftime("%a") == "Tue"
    assert date(2026, 2, 12).strftime("%a") == "Thu"
    assert date(2025, 4, 26).strftime("%a") == "Sat"
    assert date(2026, 8, 22).strftime("%a") == "Sat"
    assert date(2026, 4, 27).strftime("%a") == "Mon"
    assert date(2026, 11, 24).strftime("%a") == "Tue"


# ---------------------------------------------------------------------- working days


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 4, 26), True),  # Sat, make-up day for Fri 2/5/2025
        (date(2025, 5, 2), False),  # Fri, swapped day off
        (date(2026, 8, 22), True),  # Sat, make-up day for Mon 31/8/2026
        (date(2026, 8, 31), False),  # Mon, swapped day off
        (date(2024, 5, 4), True),  # Sat, make-up day for Mon 29/4/2024
        (date(2024, 4, 29), False),
        (date(2026, 4, 26), False),  # Sun, Hùng Kings
        (date(2026, 4, 27), False),  # Mon, Hùng Kings observed
        (date(2026, 11, 24), False),  # Tue, Vietnamese Culture Day
        (date(2026, 2, 16), False),  # Tết 2026: Mon 16/2 .. Fri 20/2
        (date(2026, 2, 20), False),
        (date(2026, 2, 13), True),  # Fri before Tết
        (date(2026, 2, 23), True),  # Mon after Tết
        (date(2026, 3, 10), True),  # ordinary Tuesday
        (date(2026, 3, 14), False),  # ordinary Saturday
        (date(2026, 3, 15), False),  # ordinary Sunday
    ],
)
def test_is_working_day_published_facts(cal: WorkingCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_every_day_2024_2027_matches_published_calendar(cal: WorkingCalendar) -> None:
    day = date(2024, 1, 1)
    mismatches = []
    while day <= date(2027, 12, 31):
        expected = day in MAKE_UP or (day.weekday() < 5 and day not in OFF)
        if cal.is_working_day(day) is not expected:
            mismatches.append(day)
        day += timedelta(days=1)
    assert mismatches == []


def test_package_lists_the_make_up_saturdays() -> None:
    # Why workflows/calendar.yaml lists no working_days: holidays already knows them.
    # If a package upgrade drops one, this fails and the YAML must get the entry.
    vn_holidays = holidays.country_holidays("VN", years=range(2024, 2028))
    assert set(vn_holidays.weekend_workdays) >= MAKE_UP


def test_is_working_day_accepts_a_datetime_in_another_zone(cal: WorkingCalendar) -> None:
    # Fri 2026-03-13 20:00 UTC is Sat 03:00 in Hanoi: not a working day.
    assert cal.is_working_day(datetime(2026, 3, 13, 20, 0, tzinfo=UTC)) is False
    assert cal.is_working_day(datetime(2026, 3, 13, 16, 0, tzinfo=UTC)) is True  # 23:00 Fri


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 2, 17), "Tết Nguyên Đán"),
        (date(2026, 4, 27), "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"),
        (date(2026, 11, 24), "Ngày Văn hóa Việt Nam"),
        (date(2026, 8, 22), MAKE_UP_DAY_NAME),
        (date(2026, 3, 10), None),
        (date(2026, 3, 14), None),
    ],
)
def test_day_name(cal: WorkingCalendar, day: date, name: str | None) -> None:
    assert cal.day_name(day) == name


# ---------------------------------------------------------------------- working_hours counting


def test_tet_2026_ten_working_days(cal: WorkingCalendar) -> None:
    # Thu 12/2 15:30. Working days after it: Fri 13/2 (1); 14–22/2 weekend + Tết
    # (16–20/2) + weekend; Mon 23 (2), Tue 24 (3), Wed 25 (4), Thu 26 (5), Fri 27 (6),
    # Mon 2/3 (7), Tue 3/3 (8), Wed 4/3 (9), Thu 5/3 (10): same clock time 15:30.
    assert cal.add(vn(2026, 2, 12, 15, 30), 10, "working_days") == vn(2026, 3, 5, 15, 30)
    assert cal.add(vn(2026, 2, 12, 15, 30), 10, "working_days").isoformat() == (
        "2026-03-05T15:30:00+07:00"
    )


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Fri 25/4/2025 → Sat 26/4 is a make-up working day.
        (vn(2025, 4, 25, 10), 1, vn(2025, 4, 26, 10)),
        # ... and Mon 28/4 is the second.
        (vn(2025, 4, 25, 10), 2, vn(2025, 4, 28, 10)),
        # Tue 29/4/2025 → 30/4, 1/5, 2/5 (swap) off, weekend → Mon 5/5.
        (vn(2025, 4, 29, 10), 1, vn(2025, 5, 5, 10)),
        # Fri 21/8/2026 → Sat 22/8 make-up day.
        (vn(2026, 8, 21, 9), 1, vn(2026, 8, 22, 9)),
        (vn(2026, 8, 21, 9), 2, vn(2026, 8, 24, 9)),
        # Fri 28/8/2026 → Mon 31/8 (swap), Tue 1/9, Wed 2/9 off → Thu 3/9.
        (vn(2026, 8, 28, 9), 1, vn(2026, 9, 3, 9)),
        # Fri 24/4/2026 → Mon 27/4 Hùng Kings observed → Tue 28/4.
        (vn(2026, 4, 24, 14), 1, vn(2026, 4, 28, 14)),
        # Mon 23/11/2026 → Tue 24/11 Culture Day → Wed 25/11.
        (vn(2026, 11, 23, 8), 1, vn(2026, 11, 25, 8)),
        # Fri 3/5/2024 → Sat 4/5/2024, the make-up day the package knows.
        (vn(2024, 5, 3, 10), 1, vn(2024, 5, 4, 10)),
    ],
)
def test_deadlines_spanning_holidays_and_make_up_days(
    cal: WorkingCalendar, start: datetime, days: int, due: datetime
) -> None:
    assert cal.add(start, days, "working_days") == due


@pytest.mark.parametrize(
    ("start", "amount", "due"),
    [
        # Evening: counting starts Wed 07:30; 8 h lands exactly on 17:00 and stays.
        (vn(2026, 3, 10, 19), 1, vn(2026, 3, 11, 17)),
        # Saturday: starts Mon 07:30; 4 h lands exactly on 11:30 (not 13:00).
        (vn(2026, 3, 14, 10), "0.5", vn(2026, 3, 16, 11, 30)),
        # Sunday night: Mon 07:30 + 8 h = Mon 17:00.
        (vn(2026, 3, 15, 23), 1, vn(2026, 3, 16, 17)),
        # Lunch break 12:00: starts 13:00, + 2 h = 15:00.
        (vn(2026, 3, 10, 12), 0.25, vn(2026, 3, 10, 15)),
        # Before hours 06:50: 07:30 + 8 h = 17:00 the same day.
        (vn(2026, 3, 10, 6, 50), 1, vn(2026, 3, 10, 17)),
        # Exactly 17:00 is not working time: Wed 07:30 + 30 min.
        (vn(2026, 3, 10, 17), Decimal("0.0625"), vn(2026, 3, 11, 8)),
        # Exactly 11:30: 13:00 + 30 min.
        (vn(2026, 3, 10, 11, 30), "0.0625", vn(2026, 3, 10, 13, 30)),
        # Inside hours, ordinary: the same clock time next working day.
        (vn(2026, 3, 10, 9), 1, vn(2026, 3, 11, 9)),
        # 13:00 + 4 h = 17:00 (stays); 07:30 + 4 h = 11:30 (stays).
        (vn(2026, 3, 10, 13), 0.5, vn(2026, 3, 10, 17)),
        (vn(2026, 3, 10, 7, 30), 0.5, vn(2026, 3, 10, 11, 30)),
        # Fri 16:00 + 1 day: 1 h Fri, then Mon 07:30–11:30 (4 h) and 13:00–16:00 (3 h).
        (vn(2026, 3, 13, 16), 1, vn(2026, 3, 16, 16)),
    ],
)
def test_working_days_outside_hours_and_period_ends(
    cal: WorkingCalendar, start: datetime, amount: object, due: datetime
) -> None:
    assert cal.add(start, amount, "working_days") == due


@pytest.mark.parametrize(
    ("start", "amount", "due"),
    [
        (vn(2026, 3, 10, 9), 0.25, vn(2026, 3, 10, 11)),  # 2 h
        # 4 h from 09:00: 2.5 h to 11:30, 1.5 h from 13:00 → 14:30.
        (vn(2026, 3, 10, 9), 0.5, vn(2026, 3, 10, 14, 30)),
        # 30 min from 11:15: 15 min to 11:30, 15 min from 13:00 → 13:15.
        (vn(2026, 3, 10, 11, 15), 0.0625, vn(2026, 3, 10, 13, 15)),
        (vn(2026, 3, 10, 10), 0.0625, vn(2026, 3, 10, 10, 30)),
        # 12 h from Tue 10:00: 1.5 + 4 Tue, 4 Wed morning, 2.5 h from 13:00 → Wed 15:30.
        (vn(2026, 3, 10, 10), 1.5, vn(2026, 3, 11, 15, 30)),
        # 1/3 day = 9600 s (rounded) = 2 h 40: 2.5 h to 11:30, 10 min → 13:10.
        (vn(2026, 3, 10, 9), "0.3333333333", vn(2026, 3, 10, 13, 10)),
    ],
)
def test_fractions_of_a_working_day(
    cal: WorkingCalendar, start: datetime, amount: object, due: datetime
) -> None:
    assert cal.add(start, amount, "working_days") == due


@pytest.mark.parametrize("amount", [0.5, "0.5", Decimal("0.5"), Decimal("0.50"), " 0.5 "])
def test_amount_types_are_equivalent(cal: WorkingCalendar, amount: object) -> None:
    assert cal.add(vn(2026, 3, 10, 9), amount, "working_days") == vn(2026, 3, 10, 14, 30)


def test_microseconds_are_kept(cal: WorkingCalendar) -> None:
    start = vn(2026, 3, 10, 10, 0, 0, 123456)
    assert cal.add(start, 1, "working_days") == vn(2026, 3, 11, 10, 0, 0, 123456)
    # working_seconds_between counts whole seconds (floor): 1.5 s → 1.
    assert (
        cal.working_seconds_between(vn(2026, 3, 10, 10, 0, 0, 500000), vn(2026, 3, 10, 10, 0, 2))
        == 1
    )
    assert cal.add_working_seconds(vn(2026, 3, 10, 11, 29, 59, 500000), 1) == vn(
        2026, 3, 10, 13, 0, 0, 500000
    )


def test_is_working_day_rejects_non_dates(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="2026-03-10"):
        cal.is_working_day("2026-03-10")  # type: ignore[arg-type]


@pytest.mark.parametrize("counting", COUNTING_MODES)
@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Fri 16:45 + 30 min: 15 min Fri, 15 min Mon from 07:30 → Mon 07:45.
        (vn(2026, 3, 13, 16, 45), 0.5, vn(2026, 3, 16, 7, 45)),
        # 4 h from 10:00: 1.5 h to 11:30, 2.5 h from 13:00 → 15:30.
        (vn(2026, 3, 10, 10), 4, vn(2026, 3, 10, 15, 30)),
        (vn(2026, 3, 10, 7, 30), 8, vn(2026, 3, 10, 17)),
        # Received Sat evening, 4 h: Mon 07:30 + 4 h = 11:30.
        (vn(2026, 3, 14, 20), "4", vn(2026, 3, 16, 11, 30)),
    ],
)
def test_working_hours_unit(
    cal: WorkingCalendar, counting: str, start: datetime, hours: object, due: datetime
) -> None:
    # Hours are counted from the moment in both modes (Civil Code art. 147(1)).
    assert cal.add(start, hours, "working_hours", counting) == due


# ---------------------------------------------------------------------- calendar days


@pytest.mark.parametrize(
    ("start", "days", "due_hours", "due_civil"),
    [
        # 190 days from Tue 10/3/2026: 21 left in March, +30 +31 +30 +31 +31 = 174 at
        # 31/8, +16 → Wed 16/9/2026 (a working day).
        (vn(2026, 3, 10, 9), 190, vn(2026, 9, 16, 9), vn(2026, 9, 16, 17)),
        # +5 → Sun 15/3 → end of Mon 16/3.
        (vn(2026, 3, 10, 9), 5, vn(2026, 3, 16, 17), vn(2026, 3, 16, 17)),
        # Fri 21/8 + 10 → Mon 31/8 (swap day off), 1/9, 2/9 off → end of Thu 3/9.
        (vn(2026, 8, 21, 9), 10, vn(2026, 9, 3, 17), vn(2026, 9, 3, 17)),
        # Tue 10/2/2026 + 7 → Tue 17/2, Tết → end of Mon 23/2.
        (vn(2026, 2, 10, 9), 7, vn(2026, 2, 23, 17), vn(2026, 2, 23, 17)),
        # Sat 15/8 + 7 → Sat 22/8, a make-up working day: stays.
        (vn(2026, 8, 15, 9), 7, vn(2026, 8, 22, 9), vn(2026, 8, 22, 17)),
        # Received Tue 19:00 + 1 → Wed 19:00 (same clock time; Wed is working).
        (vn(2026, 3, 10, 19), 1, vn(2026, 3, 11, 19), vn(2026, 3, 11, 17)),
    ],
)
def test_calendar_days(
    cal: WorkingCalendar, start: datetime, days: int, due_hours: datetime, due_civil: datetime
) -> None:
    assert cal.add(start, days, "calendar_days") == due_hours
    assert cal.add(start, days, "calendar_days", "civil_code") == due_civil


def test_calendar_days_must_be_whole(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="1.5"):
        cal.add(vn(2026, 3, 10, 9), "1.5", "calendar_days")
    assert cal.add(vn(2026, 3, 10, 9), "2.0", "calendar_days") == vn(2026, 3, 12, 9)


# ---------------------------------------------------------------------- civil_code counting


@pytest.mark.parametrize(
    ("start", "amount", "due"),
    [
        # Day of receipt not counted; 1 day = the whole of Wed → Wed 17:00.
        (vn(2026, 3, 10, 10), 1, vn(2026, 3, 11, 17)),
        (vn(2026, 3, 10, 16, 59), 1, vn(2026, 3, 11, 17)),
        (vn(2026, 3, 10, 6, 50), 1, vn(2026, 3, 11, 17)),
        # Received Sat: first working day after it is Mon 16/3.
        (vn(2026, 3, 14, 10), 1, vn(2026, 3, 16, 17)),
        (vn(2026, 3, 13, 15), 1, vn(2026, 3, 16, 17)),
        # 2.5: Wed (1), Thu (2) end 17:00, then half of Fri → Fri 11:30.
        (vn(2026, 3, 10, 10), 2.5, vn(2026, 3, 13, 11, 30)),
        (vn(2026, 3, 10, 10), "0.5", vn(2026, 3, 11, 11, 30)),
        # Tết: 10th working day after Thu 12/2 is Thu 5/3 (see the working_hours test).
        (vn(2026, 2, 12, 15, 30), 10, vn(2026, 3, 5, 17)),
        # Fri 28/8/2026: 31/8, 1/9, 2/9 off → Thu 3/9 (1), Fri 4/9 (2).
        (vn(2026, 8, 28, 9), 2, vn(2026, 9, 4, 17)),
        # Fri 21/8/2026: Sat 22/8 make-up day is day 1.
        (vn(2026, 8, 21, 9), 1, vn(2026, 8, 22, 17)),
    ],
)
def test_civil_code_working_days(
    civil: WorkingCalendar, cal: WorkingCalendar, start: datetime, amount: object, due: datetime
) -> None:
    assert civil.add(start, amount, "working_days") == due  # calendar default
    assert cal.add(start, amount, "working_days", "civil_code") == due  # per call


def test_counting_argument_overrides_calendar_default(civil: WorkingCalendar) -> None:
    assert civil.add(vn(2026, 3, 10, 10), 1, "working_days", "working_hours") == vn(2026, 3, 11, 10)


# ---------------------------------------------------------------------- zero, zones, errors


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("counting", COUNTING_MODES)
def test_zero_returns_start_unchanged(cal: WorkingCalendar, unit: str, counting: str) -> None:
    saturday = vn(2026, 3, 14, 10)  # outside working time on purpose
    assert cal.add(saturday, 0, unit, counting) == saturday
    assert cal.add(saturday, "0.0", unit, counting) == saturday
    assert cal.add_working_seconds(saturday, 0) == saturday


def test_results_are_in_the_calendar_zone(cal: WorkingCalendar) -> None:
    start = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi
    due = cal.add(start, 1, "working_days")
    assert due == vn(2026, 3, 11, 10)
    assert due.tzinfo == VN and due.utcoffset() == timedelta(hours=7)
    zero = cal.add(start, 0, "working_days")
    assert zero.tzinfo == VN and zero.hour == 10
    assert cal.intake_transfer_due(start).tzinfo == VN


NAIVE = datetime(2026, 3, 10, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add(NAIVE, 1, "working_days"),
        lambda c: c.add(NAIVE, 0, "working_days"),
        lambda c: c.add_working_seconds(NAIVE, 60),
        lambda c: c.working_seconds_between(NAIVE, vn(2026, 3, 11)),
        lambda c: c.working_seconds_between(vn(2026, 3, 9), NAIVE),
        lambda c: c.is_working_time(NAIVE),
        lambda c: c.next_working_moment(NAIVE),
        lambda c: c.intake_transfer_due(NAIVE),
    ],
)
def test_naive_datetimes_are_rejected(cal: WorkingCalendar, call) -> None:
    with pytest.raises(ValueError, match="naive"):
        call(cal)


@pytest.mark.parametrize(
    ("amount", "unit", "counting", "needle"),
    [
        (-1, "working_days", None, "-1"),
        ("-0.5", "working_days", None, "-0.5"),
        ("abc", "working_days", None, "abc"),
        ("NaN", "working_days", None, "NaN"),
        (float("inf"), "working_hours", None, "inf"),
        (True, "working_days", None, "True"),
        (None, "working_days", None, "None"),
        (1, "days", None, "'days'"),
        (1, "working_days", "lunar", "'lunar'"),
    ],
)
def test_bad_arguments(cal: WorkingCalendar, amount, unit, counting, needle) -> None:
    with pytest.raises(ValueError, match=needle):
        cal.add(vn(2026, 3, 10, 9), amount, unit, counting)


def test_add_working_seconds_rejects_bad_seconds(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="-5"):
        cal.add_working_seconds(vn(2026, 3, 10, 9), -5)
    with pytest.raises(ValueError, match="1.5"):
        cal.add_working_seconds(vn(2026, 3, 10, 9), 1.5)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- working time


@pytest.mark.parametrize(
    ("t", "working"),
    [
        (vn(2026, 3, 10, 7, 29, 59), False),
        (vn(2026, 3, 10, 7, 30), True),
        (vn(2026, 3, 10, 11, 29, 59), True),
        (vn(2026, 3, 10, 11, 30), False),
        (vn(2026, 3, 10, 12), False),
        (vn(2026, 3, 10, 13), True),
        (vn(2026, 3, 10, 16, 59, 59), True),
        (vn(2026, 3, 10, 17), False),
        (vn(2026, 3, 14, 10), False),  # ordinary Saturday
        (vn(2026, 8, 22, 10), True),  # make-up Saturday
        (vn(2026, 2, 17, 10), False),  # Tết
    ],
)
def test_is_working_time(cal: WorkingCalendar, t: datetime, working: bool) -> None:
    assert cal.is_working_time(t) is working


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (vn(2026, 3, 10, 10), vn(2026, 3, 10, 10)),  # itself
        (vn(2026, 3, 10, 6), vn(2026, 3, 10, 7, 30)),
        (vn(2026, 3, 10, 11, 30), vn(2026, 3, 10, 13)),
        (vn(2026, 3, 13, 17), vn(2026, 3, 16, 7, 30)),  # Fri 17:00 → Mon
        (vn(2026, 4, 29, 18), vn(2026, 5, 4, 7, 30)),  # Wed before 30/4, 1/5 → Mon 4/5
        (vn(2026, 2, 13, 23), vn(2026, 2, 23, 7, 30)),  # Fri before Tết → Mon 23/2
    ],
)
def test_next_working_moment(cal: WorkingCalendar, t: datetime, expected: datetime) -> None:
    assert cal.next_working_moment(t) == expected


@pytest.mark.parametrize(
    ("a", "b", "seconds"),
    [
        # Fri 16:00–17:00 (1 h) + Mon 07:30–08:30 (1 h).
        (vn(2026, 3, 13, 16), vn(2026, 3, 16, 8, 30), 7200),
        # Wed 29/4 16:00–17:00 (1 h); 30/4, 1/5, weekend off; Mon 4/5 07:30–08:00 (30 min).
        (vn(2026, 4, 29, 16), vn(2026, 5, 4, 8), 5400),
        # Fri 13/2 07:30 → Mon 23/2 07:30 across Tết: exactly Friday's 8 h.
        (vn(2026, 2, 13, 7, 30), vn(2026, 2, 23, 7, 30), 28800),
        # 11:00–13:30 over lunch: 30 + 30 min.
        (vn(2026, 3, 10, 11), vn(2026, 3, 10, 13, 30), 3600),
        # A whole ordinary week, midnight to midnight: 5 × 8 h.
        (vn(2026, 3, 9), vn(2026, 3, 16), 144000),
        # Tết week 2026: nothing.
        (vn(2026, 2, 16), vn(2026, 2, 23), 0),
        # Fri 24/4 .. Mon 4/5/2026: Fri 24, Tue 28, Wed 29 → 3 days.
        (vn(2026, 4, 24), vn(2026, 5, 4), 86400),
        # Reversed or equal → 0.
        (vn(2026, 3, 11, 10), vn(2026, 3, 10, 10), 0),
        (vn(2026, 3, 10, 10), vn(2026, 3, 10, 10), 0),
        # Mixed zones: 02:30 UTC = 09:30 Hanoi; 09:00–09:30 = 30 min.
        (vn(2026, 3, 10, 9), datetime(2026, 3, 10, 2, 30, tzinfo=UTC), 1800),
    ],
)
def test_working_seconds_between(
    cal: WorkingCalendar, a: datetime, b: datetime, seconds: int
) -> None:
    assert cal.working_seconds_between(a, b) == seconds


# ---------------------------------------------------------------------- the 15:00 rule


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (vn(2026, 3, 10, 14, 59), vn(2026, 3, 10, 17)),
        (vn(2026, 3, 10, 15, 0), vn(2026, 3, 11, 7, 30)),
        (vn(2026, 3, 10, 16, 30), vn(2026, 3, 11, 7, 30)),
        (vn(2026, 3, 10, 19), vn(2026, 3, 11, 7, 30)),  # after hours
        (vn(2026, 3, 10, 6, 50), vn(2026, 3, 10, 17)),  # before hours
        (vn(2026, 3, 10, 12), vn(2026, 3, 10, 17)),  # lunch break
        (vn(2026, 3, 13, 15, 30), vn(2026, 3, 16, 7, 30)),  # Friday → Monday
        (vn(2026, 3, 14, 10), vn(2026, 3, 16, 7, 30)),  # Saturday
        (vn(2026, 8, 22, 10), vn(2026, 8, 22, 17)),  # make-up Saturday is a working day
        # Wed 29/4/2026 before 30/4 and 1/5 (+ weekend).
        (vn(2026, 4, 29, 15, 30), vn(2026, 5, 4, 7, 30)),
        (vn(2026, 4, 29, 10), vn(2026, 4, 29, 17)),
        # Fri 13/2/2026 before Tết: next working day Mon 23/2.
        (vn(2026, 2, 13, 16), vn(2026, 2, 23, 7, 30)),
    ],
)
def test_intake_transfer_due(cal: WorkingCalendar, received: datetime, due: datetime) -> None:
    assert cal.intake_transfer_due(received) == due


def test_intake_cutoff_is_configurable() -> None:
    late = WorkingCalendar(intake_cutoff="16:00")
    assert late.intake_transfer_due(vn(2026, 3, 10, 15, 30)) == vn(2026, 3, 10, 17)
    assert late.intake_transfer_due(vn(2026, 3, 10, 16)) == vn(2026, 3, 11, 7, 30)


# ---------------------------------------------------------------------- configuration


def test_defaults() -> None:
    c = WorkingCalendar()
    assert c.seconds_per_day == 28800
    assert c.tz.key == "Asia/Ho_Chi_Minh"
    assert c.office_hours == (("07:30", "11:30"), ("13:00", "17:00"))
    assert c.counting == "working_hours" and c.intake_cutoff == "15:00"


def test_custom_office_hours() -> None:
    c = WorkingCalendar(office_hours=[("08:00", "12:00"), (time(13, 30), "17:30")])
    assert c.seconds_per_day == 28800
    # Tue 19:00 + 0.5 day → Wed 08:00 + 4 h = 12:00 (stays at the period end).
    assert c.add(vn(2026, 3, 10, 19), 0.5, "working_days") == vn(2026, 3, 11, 12)
    assert c.intake_transfer_due(vn(2026, 3, 10, 16)) == vn(2026, 3, 11, 8)
    short = WorkingCalendar(office_hours=[("08:00", "12:00")], intake_cutoff="11:00")
    assert short.seconds_per_day == 14400
    # 1 day = 4 h: Tue 10:00 → 12:00 Tue (2 h) + Wed 08:00–10:00.
    assert short.add(vn(2026, 3, 10, 10), 1, "working_days") == vn(2026, 3, 11, 10)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"counting": "lunar"}, "counting"),
        ({"timezone": "Mars/Olympus"}, "Mars/Olympus"),
        ({"office_hours": []}, "ít nhất một"),
        ({"office_hours": [("11:30", "07:30")]}, "không sau"),
        ({"office_hours": [("07:30", "11:30"), ("11:00", "17:00")]}, "office_hours[1]"),
        ({"office_hours": [("7h30", "11:30")]}, "7h30"),
        ({"office_hours": [(780, "17:00")]}, "780"),
        ({"intake_cutoff": "18:00"}, "sau giờ kết thúc"),
    ],
)
def test_constructor_rejects_bad_config(kwargs: dict, needle: str) -> None:
    with pytest.raises(CalendarError) as info:
        WorkingCalendar(**kwargs)
    assert needle in str(info.value)
    assert isinstance(info.value, ValueError)


def test_override_validation() -> None:
    with pytest.raises(CalendarError, match="document"):
        CalendarOverride(date(2026, 3, 11), "day_off", "Nghỉ", "")
    with pytest.raises(CalendarError, match="holiday"):
        CalendarOverride(date(2026, 3, 11), "holiday", "Nghỉ", "TB 1")
    ov = CalendarOverride(date(2026, 3, 11), "day_off", "Nghỉ", "TB 1")
    with pytest.raises(CalendarError, match="hai lần"):
        WorkingCalendar(overrides=[ov, ov])


def test_overrides_in_constructor_win_over_the_package() -> None:
    c = WorkingCalendar(
        overrides=[
            CalendarOverride(date(2026, 8, 22), "day_off", "Hủy làm bù", "Test doc 1"),
            CalendarOverride(date(2026, 11, 24), "working_day", "Làm việc", "Test doc 2"),
        ]
    )
    assert c.is_working_day(date(2026, 8, 22)) is False
    assert c.is_working_day(date(2026, 11, 24)) is True
    # Mon 23/11/2026 08:00 + 1 → Tue 24/11 08:00 now (default: Wed 25/11).
    assert c.add(vn(2026, 11, 23, 8), 1, "working_days") == vn(2026, 11, 24, 8)
    assert c.day_name(date(2026, 11, 24)) == "Làm việc"


OVERRIDES_YAML = """\
timezone: Asia/Ho_Chi_Minh
office_hours:
  - ["07:30", "11:30"]
  - [13:00, 17:00]          # unquoted on purpose: must read as times, not 780/1020
counting: working_hours
intake_cutoff: 15:00
days_off:
  - date: 2026-03-11
    name: Nghỉ thử nghiệm
    document: "TB 1/TEST (test fixture)"
working_days:
  - {date: "2026-03-14", name: Làm bù thử nghiệm, document: TB 2/TEST}
"""


def test_overrides_from_yaml_change_results(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(OVERRIDES_YAML, encoding="utf-8")
    c = WorkingCalendar.from_yaml(path)
    default = WorkingCalendar()
    assert c.office_hours == default.office_hours and c.intake_cutoff == "15:00"
    assert c.is_working_day(date(2026, 3, 11)) is False
    assert c.is_working_day(date(2026, 3, 14)) is True
    # day_off Wed 11/3: Tue 10:00 + 1 → Thu 12/3 10:00 (default Wed 11/3).
    assert default.add(vn(2026, 3, 10, 10), 1, "working_days") == vn(2026, 3, 11, 10)
    assert c.add(vn(2026, 3, 10, 10), 1, "working_days") == vn(2026, 3, 12, 10)
    # working_day Sat 14/3: Fri 10:00 + 1 → Sat 10:00 (default Mon 16/3).
    assert default.add(vn(2026, 3, 13, 10), 1, "working_days") == vn(2026, 3, 16, 10)
    assert c.add(vn(2026, 3, 13, 10), 1, "working_days") == vn(2026, 3, 14, 10)
    assert c.intake_transfer_due(vn(2026, 3, 10, 15, 30)) == vn(2026, 3, 12, 7, 30)
    assert c.day_name(date(2026, 3, 11)) == "Nghỉ thử nghiệm"
    assert c.overrides[date(2026, 3, 14)].document == "TB 2/TEST"
    assert c.overrides[date(2026, 3, 14)].kind == "working_day"


def test_yaml_custom_settings(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        'timezone: Asia/Bangkok\noffice_hours: [["08:00", "16:00"]]\n'
        "counting: civil_code\nintake_cutoff: '14:00'\n",
        encoding="utf-8",
    )
    c = WorkingCalendar.from_yaml(path)
    assert c.tz.key == "Asia/Bangkok" and c.seconds_per_day == 28800
    # civil_code by default: Tue → end of Wed = 16:00 (Bangkok, also +07:00).
    due = c.add(vn(2026, 3, 10, 10), 1, "working_days")
    assert due == datetime(2026, 3, 11, 16, tzinfo=ZoneInfo("Asia/Bangkok"))
    assert due.tzinfo == ZoneInfo("Asia/Bangkok")
    assert c.intake_transfer_due(vn(2026, 3, 10, 14)) == vn(2026, 3, 11, 8)


def test_shipped_calendar_yaml_is_valid_and_default() -> None:
    c = WorkingCalendar.from_yaml(REPO / "workflows" / "calendar.yaml")
    d = WorkingCalendar()
    assert (c.tz.key, c.office_hours, c.counting, c.intake_cutoff, c.seconds_per_day) == (
        d.tz.key, d.office_hours, d.counting, d.intake_cutoff, d.seconds_per_day,
    )  # fmt: skip
    for ov in c.overrides.values():
        assert ov.document.strip()
    assert c.is_working_day(date(2024, 5, 4)) is True


def test_missing_or_empty_yaml_gives_defaults(tmp_path: Path) -> None:
    missing = WorkingCalendar.from_yaml(tmp_path / "nope.yaml")
    assert missing.seconds_per_day == 28800 and missing.overrides == {}
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert WorkingCalendar.from_yaml(empty).counting == "working_hours"


ENTRY = "  - {date: 2026-03-11, name: X, document: Y}\n"


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('office_hours: [["07:30", "11:30"]\n', ["YAML không hợp lệ", "calendar.yaml:2:"]),
        ("- a\n- b\n", ["phải là một bảng (mapping)"]),
        ("holidays: []\n", ["calendar.yaml:1:", "khóa không được hỗ trợ 'holidays'"]),
        (
            "days_off:\n  - date: 2026-03-11\n    name: Nghỉ\n",
            ["calendar.yaml:2:", "days_off[0]", "thiếu 'document'"],
        ),
        (
            "days_off:\n  - date: 2026-03-11\n    name: Nghỉ\n    document: '  '\n",
            ["days_off[0]", "document"],
        ),
        (
            "days_off:\n  - {date: 2026-02-30, name: X, document: Y}\n",
            ["calendar.yaml:2:", "ngày không hợp lệ", "2026-02-30"],
        ),
        (
            "working_days:\n  - {date: 30/04/2026, name: X, document: Y}\n",
            ["working_days[0].date", "YYYY-MM-DD"],
        ),
        (
            "days_off:\n" + ENTRY + "  - {date: 2026-03-12, name: X, document: Y, reason: Z}\n",
            ["calendar.yaml:3:", "days_off[1].reason", "khóa không được hỗ trợ 'reason'"],
        ),
        (
            "days_off:\n" + ENTRY + "working_days:\n" + ENTRY,
            ["calendar.yaml:4:", "working_days[0].date", "đã có trong days_off[0]"],
        ),
        ("days_off:\n  - 2026-03-11\n", ["days_off[0]", "mapping"]),
        ("days_off: 2026-03-11\n", ["calendar.yaml:1:", "days_off", "cần danh sách"]),
        ("counting: civil\n", ["calendar.yaml:1:", "counting", "'civil'"]),
        ("\ntimezone: Mars/Olympus\n", ["calendar.yaml:2:", "Mars/Olympus"]),
        (
            'office_hours:\n  - ["07:30", "11:30"]\n  - ["11:00", "17:00"]\n',
            ["calendar.yaml:3:", "office_hours[1]", "11:00"],
        ),
        ('office_hours:\n  - ["07:30", "25:00"]\n', ["calendar.yaml:2:", "office_hours[0][1]", "25:00"]),
        ('office_hours:\n  - ["07:30", "11:30", "12:00"]\n', ["calendar.yaml:2:", "office_hours[0]"]),
        ("intake_cutoff: 900\n", ["calendar.yaml:1:", "intake_cutoff", "900"]),
        ('intake_cutoff: "18:00"\n', ["calendar.yaml:1:", "sau giờ kết thúc làm việc"]),
        ("counting: civil_code\ncounting: working_hours\n", ["calendar.yaml:2:", "khóa 'counting' bị lặp lại"]),
    ],
)
def test_malformed_yaml(tmp_path: Path, text: str, needles: list[str]) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as info:
        WorkingCalendar.from_yaml(path)
    message = str(info.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message, (needle, message)


# ---------------------------------------------------------------------- properties


def _oracle_working_minute(t: datetime) -> bool:
    """Independent oracle: is the minute [t, t+1min) working time? (published facts only)"""
    d = t.date()
    if not (d in MAKE_UP or (d.weekday() < 5 and d not in OFF)):
        return False
    m = t.hour * 60 + t.minute
    return 450 <= m < 690 or 780 <= m < 1020  # 07:30–11:30, 13:00–17:00


def _oracle_add_minutes(start: datetime, minutes: int) -> datetime:
    """Minute-by-minute walk; skips whole non-working days to stay fast."""
    t = start
    while minutes > 0:
        if _oracle_working_minute(t):
            minutes -= 1
            t += timedelta(minutes=1)
        elif t.hour >= 17 or not _oracle_working_minute(t.replace(hour=8, minute=0)):
            t = (t + timedelta(days=1)).replace(hour=0, minute=0)
        else:
            t += timedelta(minutes=1)
    return t


def _random_minute(rng: random.Random) -> datetime:
    day = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 1425))  # up to 2027-11-25
    return vn(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60))


def test_add_matches_minute_by_minute_oracle(cal: WorkingCalendar) -> None:
    rng = random.Random(20260212)
    for _ in range(250):
        start = _random_minute(rng)
        minutes = rng.choice([0, 1, 30, 240, 480, rng.randrange(1, 5 * 480)])
        expected = _oracle_add_minutes(start, minutes)
        assert cal.add_working_seconds(start, minutes * 60) == expected, (start, minutes)
        # The same amount as a fraction of a working day (exact: minutes / 480).
        as_days = Decimal(minutes) / Decimal(480)
        assert cal.add(start, as_days, "working_days") == expected, (start, minutes)
        assert cal.working_seconds_between(start, expected) == minutes * 60


def test_working_seconds_between_matches_oracle(cal: WorkingCalendar) -> None:
    rng = random.Random(7)
    for _ in range(60):
        a = _random_minute(rng)
        b = a + timedelta(minutes=rng.randrange(0, 4 * 1440))
        expected, t = 0, a
        while t < b:
            expected += 60 if _oracle_working_minute(t) else 0
            t += timedelta(minutes=1)
        assert cal.working_seconds_between(a, b) == expected, (a, b)


def test_add_and_between_are_consistent_to_the_second(cal: WorkingCalendar) -> None:
    rng = random.Random(42)
    epoch = vn(2024, 1, 1)
    for _ in range(400):
        start = epoch + timedelta(seconds=rng.randrange(0, 4 * 365 * 86400))
        seconds = rng.randrange(0, 40 * 28800)
        due = cal.add_working_seconds(start, seconds)
        assert cal.working_seconds_between(start, due) == seconds
        assert due >= start
        if seconds:
            # The due is inside working time or exactly at a period end.
            assert cal.is_working_time(due) or due.time() in (time(11, 30), time(17, 0))
            # And it is the earliest such moment: one second less of work ends earlier.
            assert cal.add_working_seconds(start, seconds - 1) < due


def test_add_sixty_working_days_is_fast(cal: WorkingCalendar) -> None:
    start = vn(2026, 2, 12, 15, 30)
    cal.add(start, 60, "working_days")  # warm the per-date cache
    n = 500
    t0 = _time.perf_counter()
    for _ in range(n):
        cal.add(start, 60, "working_days")
    per_call = (_time.perf_counter() - t0) / n
    assert per_call < 0.001, per_call
