"""The working calendar itself: which days and moments are working time, and deadline arithmetic on them.

All arithmetic is integer (microseconds of wall-clock time inside a local day), so
0.0625 working day is exactly 30 minutes. Per-date results are cached; deadlines
walk day by day, never minute by minute.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import holidays

from .config import (
    COUNTING_MODES,
    DEFAULT_INTAKE_CUTOFF,
    DEFAULT_OFFICE_HOURS,
    DEFAULT_TIMEZONE,
    MAKE_UP_DAY_NAME,
    UNITS,
    CalendarOverride,
    fmt_minutes,
    overrides_by_date,
    parse_counting,
    parse_cutoff,
    parse_office_hours,
    parse_timezone,
)

_US = 1_000_000  # microseconds per second
_DAY_US = 86400 * _US
_ONE_DAY = timedelta(days=1)


def _to_decimal(amount: object) -> Decimal:
    """Turn an amount (int, float, Decimal or numeric str) into a finite, non-negative Decimal."""
    if isinstance(amount, bool):
        raise ValueError(f"số lượng phải là một số, nhận {amount!r}")
    try:
        if isinstance(amount, Decimal):
            value = amount
        elif isinstance(amount, int):
            value = Decimal(amount)
        elif isinstance(amount, float):
            value = Decimal(repr(amount))  # shortest repr: 0.1 -> Decimal("0.1")
        elif isinstance(amount, str):
            value = Decimal(amount.strip())
        else:
            raise ValueError(f"số lượng phải là một số, nhận {amount!r}")
    except InvalidOperation:
        raise ValueError(f"số lượng phải là một số, nhận {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"số lượng phải là số hữu hạn, nhận {amount!r}")
    if value < 0:
        raise ValueError(f"số lượng không được âm, nhận {amount!r}")
    return value


class WorkingCalendar:
    """Office hours + Vietnamese holidays + overrides, and the deadline arithmetic on them."""

    def __init__(
        self,
        *,
        office_hours: Sequence[Sequence[str | time]] = DEFAULT_OFFICE_HOURS,
        timezone: str | ZoneInfo = DEFAULT_TIMEZONE,
        overrides: Iterable[CalendarOverride] = (),
        counting: str = "working_hours",
        intake_cutoff: str | time = DEFAULT_INTAKE_CUTOFF,
    ) -> None:
        self.tz: ZoneInfo = parse_timezone(timezone)
        periods = parse_office_hours(office_hours)  # minutes, validated
        self.office_hours: tuple[tuple[str, str], ...] = tuple(
            (fmt_minutes(s), fmt_minutes(e)) for s, e in periods
        )
        self._periods: tuple[tuple[int, int], ...] = tuple(
            (s * 60 * _US, e * 60 * _US) for s, e in periods
        )
        self._day_start_us = self._periods[0][0]
        self._day_end_us = self._periods[-1][1]
        self.seconds_per_day: int = sum(e - s for s, e in periods) * 60
        self.counting: str = parse_counting(counting)
        cutoff = parse_cutoff(intake_cutoff, periods[-1][1])
        self.intake_cutoff: str = fmt_minutes(cutoff)
        self._cutoff_us = cutoff * 60 * _US
        self.overrides: dict[date, CalendarOverride] = overrides_by_date(overrides)
        self._file_overrides = dict(self.overrides)

        self._holidays = holidays.country_holidays("VN", language="vi")
        self._cache: dict[date, bool] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> WorkingCalendar:
        """Load ``calendar.yaml``; a missing (or empty) file gives the defaults.

        Raises CalendarError as ``file:line:column: message`` (the definitions' located loader).
        """
        from .loading import load_calendar  # the definitions package only when a file is read

        return load_calendar(path, cls)

    # ------------------------------------------------------------------ days

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is a working day (a datetime is first converted to the calendar's zone)."""
        if isinstance(d, datetime):
            d = self._local(d).date()
        try:
            return self._cache[d]
        except KeyError:
            pass
        if not isinstance(d, date):
            raise ValueError(f"cần một ngày (date), nhận {d!r}")
        with self._lock:
            ov = self.overrides.get(d)
            if ov is not None:
                result = ov.kind == "working_day"
            elif d in self._holidays:  # also populates the year, incl. weekend_workdays
                result = False
            elif d in self._holidays.weekend_workdays:
                result = True
            else:
                result = d.weekday() < 5
            self._cache[d] = result
        return result

    def layer_overrides(self, extra: Iterable[CalendarOverride]) -> None:
        """Put entries announced in the web app (``calendar_days``) over the file's; they win on the same date.

        Called again with the full list whenever it changes (each scheduler sweep re-reads it).
        """
        merged = {**self._file_overrides, **overrides_by_date(extra)}
        with self._lock:
            if merged != self.overrides:
                self.overrides = merged
                self._cache.clear()

    def with_overrides(self, extra: Iterable[CalendarOverride]) -> WorkingCalendar:
        """A copy of this calendar with ``extra`` over the file's entries (this one is unchanged)."""
        other = copy.copy(self)
        other._cache = {}
        other._lock = threading.Lock()
        other.overrides = {**self._file_overrides, **overrides_by_date(extra)}
        return other

    def file_overrides(self) -> list[CalendarOverride]:
        """The entries of calendar.yaml (the web app's are laid over them), by date."""
        return sorted(self._file_overrides.values(), key=lambda o: o.date)

    def special_days(self, year: int) -> list[date]:
        """The days of ``year`` that differ from an ordinary week: holidays, make-up days, overrides."""
        self.is_working_day(date(year, 1, 1))  # loads the year into the holidays package
        with self._lock:
            days = {d for d in self._holidays if d.year == year}
            days |= {d for d in self._holidays.weekend_workdays if d.year == year}
        days |= {d for d in self.overrides if d.year == year}
        return sorted(days)

    def day_name(self, d: date) -> str | None:
        """The override or holiday name of ``d`` (Vietnamese), for the UI; None for an ordinary day."""
        if isinstance(d, datetime):
            d = self._local(d).date()
        ov = self.overrides.get(d)
        if ov is not None:
            return ov.name
        with self._lock:
            name = self._holidays.get(d)
            if name is None and d in self._holidays.weekend_workdays:
                name = MAKE_UP_DAY_NAME
        return name

    def _next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    # ------------------------------------------------------------------ moments

    def _local(self, t: datetime) -> datetime:
        if not isinstance(t, datetime):
            raise ValueError(f"cần một thời điểm (datetime), nhận {t!r}")
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError(f"thời điểm phải kèm múi giờ, nhận {t.isoformat()} (naive)")
        return t.astimezone(self.tz)

    def _split(self, t: datetime) -> tuple[date, int]:
        """(local date, microseconds since local midnight on the wall clock)."""
        lt = self._local(t)
        us = ((lt.hour * 60 + lt.minute) * 60 + lt.second) * _US + lt.microsecond
        return lt.date(), us

    def _join(self, d: date, us: int) -> datetime:
        return datetime.combine(d, time(), tzinfo=self.tz) + timedelta(microseconds=us)

    def is_working_time(self, t: datetime) -> bool:
        """True if ``t`` is inside an office period [start, end) of a working day."""
        d, us = self._split(t)
        return self.is_working_day(d) and any(s <= us < e for s, e in self._periods)

    def next_working_moment(self, t: datetime) -> datetime:
        """``t`` itself if it is working time, else the start of the next office period.

        An office period's end (11:30, 17:00) is not working time: it moves on.
        """
        d, us = self._split(t)
        if self.is_working_day(d):
            for s, e in self._periods:
                if us < s:
                    return self._join(d, s)
                if us < e:
                    return self._local(t)
        return self._join(self._next_working_day(d), self._day_start_us)

    # ------------------------------------------------------------------ arithmetic

    def _walk(self, d: date, us: int, remaining: int) -> datetime:
        """Consume ``remaining`` (> 0) microseconds of working time from (d, us).

        A due that lands exactly on a period's end stays there (17:00, 11:30).
        """
        periods = self._periods
        day_us = self.seconds_per_day * _US
        while True:
            if self.is_working_day(d):
                if us == 0 and remaining > day_us:
                    remaining -= day_us  # a whole working day, no landing possible in it
                else:
                    for s, e in periods:
                        if us >= e:
                            continue
                        begin = s if us < s else us
                        avail = e - begin
                        if remaining <= avail:
                            return self._join(d, begin + remaining)
                        remaining -= avail
            d += _ONE_DAY
            us = 0

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """``start`` plus ``seconds`` of working time (counted from the next working moment).

        0 returns ``start`` unchanged (in the calendar's zone).
        """
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise ValueError(f"số giây phải là số nguyên, nhận {seconds!r}")
        if seconds < 0:
            raise ValueError(f"số giây không được âm, nhận {seconds!r}")
        local = self._local(start)
        if seconds == 0:
            return local
        d, us = self._split(local)
        return self._walk(d, us, seconds * _US)

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Whole seconds of working time in [a, b); 0 if ``b <= a``."""
        da, ua = self._split(a)
        db, ub = self._split(b)
        if b <= a:
            return 0
        total = 0
        d = da
        while d <= db:
            if self.is_working_day(d):
                lo = ua if d == da else 0
                hi = ub if d == db else _DAY_US
                for s, e in self._periods:
                    x = s if s > lo else lo
                    y = e if e < hi else hi
                    if y > x:
                        total += y - x
            d += _ONE_DAY
        return total // _US

    def add(
        self,
        start: datetime,
        amount: int | float | Decimal | str,
        unit: str,
        counting: str | None = None,
    ) -> datetime:
        """The due moment of a period of ``amount`` ``unit`` starting at ``start``.

        * ``amount`` 0 returns ``start`` unchanged (in the calendar's zone), whatever
          the unit and mode: "không tính thời gian" steps must not move the clock.
        * ``working_days`` fractions are fractions of a working day (0.5 = 4 h by
          default), rounded to the nearest second.
        * ``working_hours`` is always counted from the moment (Civil Code art. 147(1):
          a period in hours starts at the moment fixed), as working time.
        * ``working_hours`` counting mode, ``working_days``: amount × seconds_per_day
          of working time from ``start`` (or its next working moment).
        * ``civil_code`` mode, ``working_days``: the day of ``start`` is not counted;
          counting begins at the opening of the first working day after it and
          amount × seconds_per_day of working time are added. So N whole days end at
          the close (17:00) of the N-th working day after the day of ``start``, and a
          fraction continues as working time from the next working day's opening
          (2.5 days from Tuesday → Friday 11:30).
        * ``hours``: clock hours, day and night, holidays included ("trong vòng 12 giờ",
          LEGAL.md §4): ``start`` + amount hours, rounded to the second, whatever the counting mode.
        * ``calendar_days`` (whole numbers only): ``start`` + N days at the same clock
          time (``civil_code``: the close of office hours that day). If that date is
          not a working day the due is the close of office hours of the next working
          day (Civil Code art. 148).
        """
        if unit not in UNITS:
            raise ValueError(f"đơn vị không xác định {unit!r}; hợp lệ: {', '.join(UNITS)}")
        mode = self.counting if counting is None else counting
        if mode not in COUNTING_MODES:
            raise ValueError(f"cách tính không xác định {mode!r}; hợp lệ: {', '.join(COUNTING_MODES)}")
        value = _to_decimal(amount)
        local = self._local(start)
        if value == 0:
            return local

        if unit == "working_hours":
            return self._walk(*self._split(local), self._us_of(value, 3600))

        if unit == "hours":
            return local + timedelta(microseconds=self._us_of(value, 3600))

        if unit == "working_days":
            us_total = self._us_of(value, self.seconds_per_day)
            if mode == "civil_code":
                first = self._next_working_day(local.date())
                return self._walk(first, self._day_start_us, us_total)
            return self._walk(*self._split(local), us_total)

        # calendar_days
        if value != value.to_integral_value():
            raise ValueError(f"calendar_days phải là số ngày nguyên, nhận {amount!r}")
        due = local + timedelta(days=int(value))
        due_day = due.date()
        if not self.is_working_day(due_day):
            return self._join(self._next_working_day(due_day), self._day_end_us)
        if mode == "civil_code":
            return self._join(due_day, self._day_end_us)
        return due

    @staticmethod
    def _us_of(value: Decimal, unit_seconds: int) -> int:
        """``value`` × ``unit_seconds`` rounded to a whole second, in microseconds."""
        seconds = int((value * unit_seconds).to_integral_value(rounding=ROUND_HALF_UP))
        return seconds * _US

    def intake_transfer_due(self, received_at: datetime) -> datetime:
        """When a dossier received at ``received_at`` must reach the competent agency.

        Received on a working day before the cutoff (default 15:00; including before
        office hours and during the lunch break) → the close of that day (17:00).
        At or after the cutoff, or on a non-working day → the opening of the next
        working day (07:30).
        """
        d, us = self._split(received_at)
        if self.is_working_day(d) and us < self._cutoff_us:
            return self._join(d, self._day_end_us)
        return self._join(self._next_working_day(d), self._day_start_us)

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(timezone={self.tz.key!r}, office_hours={self.office_hours!r}, "
            f"counting={self.counting!r}, intake_cutoff={self.intake_cutoff!r}, "
            f"overrides={len(self.overrides)})"
        )
