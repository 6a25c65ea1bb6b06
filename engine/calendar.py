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

All arithmetic is integer (microseconds of wall-clock time inside a local day), so
0.0625 working day is exactly 30 minutes. Per-date results are cached; deadlines
walk day by day, never minute by minute.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml

__all__ = [
    "COUNTING_MODES",
    "MAKE_UP_DAY_NAME",
    "OVERRIDE_KINDS",
    "UNITS",
    "CalendarError",
    "CalendarOverride",
    "WorkingCalendar",
]

UNITS = ("working_days", "working_hours", "calendar_days")
COUNTING_MODES = ("working_hours", "civil_code")
OVERRIDE_KINDS = ("day_off", "working_day")

#: Name shown for a make-up Saturday known to the ``holidays`` package (it has no name there).
MAKE_UP_DAY_NAME = "Ngày làm việc bù"

DEFAULT_OFFICE_HOURS: tuple[tuple[str, str], ...] = (("07:30", "11:30"), ("13:00", "17:00"))
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_INTAKE_CUTOFF = "15:00"

_US = 1_000_000  # microseconds per second
_HOUR_US = 3600 * _US
_DAY_US = 86400 * _US
_ONE_DAY = timedelta(days=1)
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CalendarError(ValueError):
    """A bad calendar configuration (constructor arguments or ``calendar.yaml``)."""


@dataclass(frozen=True)
class CalendarOverride:
    """One administrator entry: a date made a day off or a working day, and why."""

    date: date
    kind: str  # "day_off" | "working_day"
    name: str
    document: str  # the announcing document, e.g. "TB 109/TB-UBND 06/11/2025"

    def __post_init__(self) -> None:
        if not isinstance(self.date, date) or isinstance(self.date, datetime):
            raise CalendarError(f"override date must be a date, got {self.date!r}")
        if self.kind not in OVERRIDE_KINDS:
            raise CalendarError(
                f"override {self.date}: kind must be one of {OVERRIDE_KINDS}, got {self.kind!r}"
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise CalendarError(f"override {self.date}: 'name' is required")
        if not isinstance(self.document, str) or not self.document.strip():
            raise CalendarError(
                f"override {self.date}: 'document' (the announcing document) is required"
            )


def _parse_hhmm(value: object, what: str) -> int:
    """Parse ``"HH:MM"`` (or a ``datetime.time`` on a whole minute) into minutes after midnight."""
    if isinstance(value, time):
        if value.second or value.microsecond or value.tzinfo is not None:
            raise CalendarError(f"{what}: {value!r} must be a naive time on a whole minute")
        return value.hour * 60 + value.minute
    if isinstance(value, bool) or not isinstance(value, str):
        raise CalendarError(f'{what}: expected a time "HH:MM" (a string), got {value!r}')
    m = _HHMM.match(value.strip())
    if not m:
        raise CalendarError(f'{what}: expected a time "HH:MM" (00:00–23:59), got {value!r}')
    return int(m.group(1)) * 60 + int(m.group(2))


def _fmt_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _to_decimal(amount: object) -> Decimal:
    """Turn an amount (int, float, Decimal or numeric str) into a finite, non-negative Decimal."""
    if isinstance(amount, bool):
        raise ValueError(f"amount must be a number, got {amount!r}")
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
            raise ValueError(f"amount must be a number, got {amount!r}")
    except InvalidOperation:
        raise ValueError(f"amount must be a number, got {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"amount must be finite, got {amount!r}")
    if value < 0:
        raise ValueError(f"amount must not be negative, got {amount!r}")
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
        # Timezone.
        if isinstance(timezone, ZoneInfo):
            self.tz = timezone
        elif isinstance(timezone, str):
            try:
                self.tz = ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise CalendarError(f"timezone: unknown time zone {timezone!r}") from None
        else:
            raise CalendarError(f"timezone: expected a zone name, got {timezone!r}")

        # Office periods, in minutes, validated then stored in microseconds.
        if isinstance(office_hours, str | bytes) or not isinstance(office_hours, Sequence):
            raise CalendarError(
                f"office_hours: expected a list of [start, end], got {office_hours!r}"
            )
        if not office_hours:
            raise CalendarError("office_hours: at least one period is required")
        periods: list[tuple[int, int]] = []
        for i, period in enumerate(office_hours):
            what = f"office_hours[{i}]"
            if (
                isinstance(period, str | bytes)
                or not isinstance(period, Sequence)
                or len(period) != 2
            ):
                raise CalendarError(f'{what}: expected ["HH:MM", "HH:MM"], got {period!r}')
            start = _parse_hhmm(period[0], f"{what} start")
            end = _parse_hhmm(period[1], f"{what} end")
            if end <= start:
                raise CalendarError(
                    f"{what}: end {_fmt_minutes(end)} is not after start {_fmt_minutes(start)}"
                )
            if periods and start < periods[-1][1]:
                raise CalendarError(
                    f"{what}: starts at {_fmt_minutes(start)}, before the previous period ends "
                    f"({_fmt_minutes(periods[-1][1])}); list periods in order without overlap"
                )
            periods.append((start, end))
        self.office_hours: tuple[tuple[str, str], ...] = tuple(
            (_fmt_minutes(s), _fmt_minutes(e)) for s, e in periods
        )
        self._periods: tuple[tuple[int, int], ...] = tuple(
            (s * 60 * _US, e * 60 * _US) for s, e in periods
        )
        self._day_start_us = self._periods[0][0]
        self._day_end_us = self._periods[-1][1]
        self.seconds_per_day: int = sum(e - s for s, e in periods) * 60

        # Counting mode and intake cutoff.
        if counting not in COUNTING_MODES:
            raise CalendarError(f"counting: must be one of {COUNTING_MODES}, got {counting!r}")
        self.counting: str = counting
        cutoff = _parse_hhmm(intake_cutoff, "intake_cutoff")
        if cutoff * 60 * _US > self._day_end_us:
            raise CalendarError(
                f"intake_cutoff: {_fmt_minutes(cutoff)} is after the end of office hours "
                f"({_fmt_minutes(periods[-1][1])})"
            )
        self.intake_cutoff: str = _fmt_minutes(cutoff)
        self._cutoff_us = cutoff * 60 * _US

        # Overrides.
        by_date: dict[date, CalendarOverride] = {}
        for ov in overrides:
            if not isinstance(ov, CalendarOverride):
                raise CalendarError(f"overrides: expected CalendarOverride, got {ov!r}")
            if ov.date in by_date:
                raise CalendarError(f"overrides: {ov.date} is listed twice")
            by_date[ov.date] = ov
        self.overrides: dict[date, CalendarOverride] = by_date

        self._holidays = holidays.country_holidays("VN", language="vi")
        self._cache: dict[date, bool] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> WorkingCalendar:
        """Load ``calendar.yaml``; a missing (or empty) file gives the defaults.

        Raises CalendarError naming the file, the line and the bad entry.
        """
        path = Path(path)
        if not path.exists():
            return cls()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CalendarError(f"{path}: cannot read: {exc}") from None
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
            problem = getattr(exc, "problem", None) or str(exc)
            raise CalendarError(f"{where}: invalid YAML: {problem}") from None
        finally:
            loader.dispose()
        lines: dict[tuple[Any, ...], int] = {}
        if node is not None:
            _index_lines(node, (), lines, path)
        kwargs = _parse_config(data, lines, path)
        try:
            return cls(**kwargs)
        except CalendarError as exc:  # unknown zone, bad counting, overlapping periods…
            message = str(exc)
            raise _located(path, lines, _constructor_loc(message), message, label=False) from None

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
            raise ValueError(f"expected a date, got {d!r}")
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
            raise ValueError(f"expected a datetime, got {t!r}")
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError(f"datetime must be timezone-aware, got naive {t.isoformat()}")
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
            raise ValueError(f"seconds must be an int, got {seconds!r}")
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds!r}")
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
        * ``calendar_days`` (whole numbers only): ``start`` + N days at the same clock
          time (``civil_code``: the close of office hours that day). If that date is
          not a working day the due is the close of office hours of the next working
          day (Civil Code art. 148).
        """
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r}; expected one of {UNITS}")
        mode = self.counting if counting is None else counting
        if mode not in COUNTING_MODES:
            raise ValueError(f"unknown counting mode {mode!r}; expected one of {COUNTING_MODES}")
        value = _to_decimal(amount)
        local = self._local(start)
        if value == 0:
            return local

        if unit == "working_hours":
            return self._walk(*self._split(local), self._us_of(value, 3600))

        if unit == "working_days":
            us_total = self._us_of(value, self.seconds_per_day)
            if mode == "civil_code":
                first = self._next_working_day(local.date())
                return self._walk(first, self._day_start_us, us_total)
            return self._walk(*self._split(local), us_total)

        # calendar_days
        if value != value.to_integral_value():
            raise ValueError(f"calendar_days must be a whole number of days, got {amount!r}")
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


# ---------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates and HH:MM times as strings (we parse and locate them)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.1 reads an unquoted 13:00 as the sexagesimal number 780; read it as "13:00".
for _digit in "0123456789":
    _Loader.yaml_implicit_resolvers.setdefault(_digit, []).insert(
        0, ("tag:yaml.org,2002:str", re.compile(r"^\d{1,2}:\d{2}$"))
    )

_CONFIG_KEYS = ("timezone", "office_hours", "counting", "intake_cutoff", "days_off", "working_days")
_ENTRY_KEYS = ("date", "name", "document")
_LISTS = (("days_off", "day_off"), ("working_days", "working_day"))


def _index_lines(
    node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int], file: Path
) -> None:
    """Record the 1-based line of every node by its key path; reject duplicate mapping keys."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key in seen:
                raise CalendarError(
                    f"{file}, line {key_node.start_mark.line + 1}: key {key!r} appears twice"
                )
            seen.add(key)
            _index_lines(value_node, (*path, key), out, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*path, i), out, file)


def _located(
    file: Path,
    lines: dict[tuple[Any, ...], int],
    loc: tuple[Any, ...],
    message: str,
    label: bool = True,
) -> CalendarError:
    """A CalendarError "<file>, line <n>: <entry>: <message>" for the node at ``loc``."""
    probe = loc
    while probe and probe not in lines:
        probe = probe[:-1]
    line = lines.get(probe)
    where = f"{file}, line {line}" if line else str(file)
    name = "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc)
    )
    return CalendarError(f"{where}: {name + ': ' if name and label else ''}{message}")


def _parse_config(data: object, lines: dict[tuple[Any, ...], int], file: Path) -> dict[str, Any]:
    """Validate the loaded YAML and turn it into WorkingCalendar keyword arguments."""

    def fail(loc: tuple[Any, ...], message: str) -> CalendarError:
        return _located(file, lines, loc, message)

    if data is None:
        return {}
    if not isinstance(data, dict):
        raise fail((), f"the top level must be a mapping of {', '.join(_CONFIG_KEYS)}")
    unknown = [k for k in data if k not in _CONFIG_KEYS]
    if unknown:
        raise fail((unknown[0],), f"unknown key {unknown[0]!r}; allowed: {', '.join(_CONFIG_KEYS)}")

    kwargs: dict[str, Any] = {}
    for key in ("timezone", "counting", "intake_cutoff"):
        if data.get(key) is not None:
            kwargs[key] = data[key]
    if data.get("office_hours") is not None:
        hours = data["office_hours"]
        if not isinstance(hours, list):
            raise fail(("office_hours",), f'expected a list of ["HH:MM", "HH:MM"], got {hours!r}')
        for i, period in enumerate(hours):
            if not isinstance(period, list) or len(period) != 2:
                raise fail(("office_hours", i), f'expected ["HH:MM", "HH:MM"], got {period!r}')
            for j, value in enumerate(period):
                try:
                    _parse_hhmm(value, "time")
                except CalendarError as exc:
                    raise fail(("office_hours", i, j), str(exc).removeprefix("time: ")) from None
        kwargs["office_hours"] = [tuple(p) for p in hours]

    overrides: list[CalendarOverride] = []
    seen: dict[date, tuple[Any, ...]] = {}
    for key, kind in _LISTS:
        entries = data.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise fail((key,), f"expected a list of {{date, name, document}}, got {entries!r}")
        for i, entry in enumerate(entries):
            loc = (key, i)
            if not isinstance(entry, dict):
                raise fail(loc, f"expected a mapping with date, name, document; got {entry!r}")
            extra = [k for k in entry if k not in _ENTRY_KEYS]
            if extra:
                raise fail(
                    (*loc, extra[0]), f"unknown key {extra[0]!r}; allowed: {', '.join(_ENTRY_KEYS)}"
                )
            for field in _ENTRY_KEYS:
                value = entry.get(field)
                if value is None or (isinstance(value, str) and not value.strip()):
                    why = " (the announcing document)" if field == "document" else ""
                    raise fail(loc, f"{field!r} is required{why}")
                if not isinstance(value, str):
                    raise fail((*loc, field), f"expected text, got {value!r}")
            raw_date = entry["date"].strip()
            if not _ISO_DATE.match(raw_date):
                raise fail((*loc, "date"), f"expected a date YYYY-MM-DD, got {raw_date!r}")
            try:
                day = date.fromisoformat(raw_date)
            except ValueError as exc:
                raise fail((*loc, "date"), f"invalid date {raw_date!r}: {exc}") from None
            if day in seen:
                first_key, first_i = seen[day]
                raise fail((*loc, "date"), f"{day} is already listed in {first_key}[{first_i}]")
            seen[day] = loc
            overrides.append(
                CalendarOverride(
                    date=day,
                    kind=kind,
                    name=entry["name"].strip(),
                    document=entry["document"].strip(),
                )
            )
    kwargs["overrides"] = overrides
    return kwargs


_CTOR_LOC = re.compile(r"^(\w+)(?:\[(\d+)\])?")


def _constructor_loc(message: str) -> tuple[Any, ...]:
    """Where in the YAML a constructor error message ("office_hours[1]: ...") points."""
    m = _CTOR_LOC.match(message)
    if not m or m.group(1) not in _CONFIG_KEYS:
        return ()
    return (m.group(1),) if m.group(2) is None else (m.group(1), int(m.group(2)))
