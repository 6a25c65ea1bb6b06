"""The calendar's settings: units, counting modes, overrides, and the checks of each setting.

Every message here can reach a user (``motcua due``, a bad ``calendar.yaml``, an
API call with a bad unit), so it is Vietnamese; the setting's key stays as
written in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UNITS = ("working_days", "working_hours", "hours", "calendar_days")
COUNTING_MODES = ("working_hours", "civil_code")
OVERRIDE_KINDS = ("day_off", "working_day")

#: Name shown for a make-up Saturday known to the ``holidays`` package (it has no name there).
MAKE_UP_DAY_NAME = "Ngày làm việc bù"

DEFAULT_OFFICE_HOURS: tuple[tuple[str, str], ...] = (("07:30", "11:30"), ("13:00", "17:00"))
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_INTAKE_CUTOFF = "15:00"

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


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
            raise CalendarError(f"ngày điều chỉnh phải là một ngày (date), nhận {self.date!r}")
        if self.kind not in OVERRIDE_KINDS:
            raise CalendarError(
                f"điều chỉnh {self.date}: loại (kind) phải là một trong {OVERRIDE_KINDS}, nhận {self.kind!r}"
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise CalendarError(f"điều chỉnh {self.date}: thiếu tên ('name')")
        if not isinstance(self.document, str) or not self.document.strip():
            raise CalendarError(f"điều chỉnh {self.date}: thiếu văn bản công bố ('document')")


def parse_hhmm(value: object, what: str) -> int:
    """Parse ``"HH:MM"`` (or a ``datetime.time`` on a whole minute) into minutes after midnight."""
    if isinstance(value, time):
        if value.second or value.microsecond or value.tzinfo is not None:
            raise CalendarError(f"{what}: {value!r} phải là giờ không kèm múi giờ, tròn phút")
        return value.hour * 60 + value.minute
    if isinstance(value, bool) or not isinstance(value, str):
        raise CalendarError(f'{what}: cần giờ dạng "HH:MM" (chuỗi), nhận {value!r}')
    m = _HHMM.match(value.strip())
    if not m:
        raise CalendarError(f'{what}: cần giờ dạng "HH:MM" (00:00–23:59), nhận {value!r}')
    return int(m.group(1)) * 60 + int(m.group(2))


def fmt_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_timezone(timezone: str | ZoneInfo) -> ZoneInfo:
    if isinstance(timezone, ZoneInfo):
        return timezone
    if isinstance(timezone, str):
        try:
            return ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(f"timezone: múi giờ không xác định {timezone!r}") from None
    raise CalendarError(f"timezone: cần tên múi giờ (ví dụ Asia/Ho_Chi_Minh), nhận {timezone!r}")


def parse_office_hours(office_hours: Sequence[Sequence[str | time]]) -> list[tuple[int, int]]:
    """The office periods as (start, end) minutes after midnight, in order and not overlapping."""
    if isinstance(office_hours, str | bytes) or not isinstance(office_hours, Sequence):
        raise CalendarError(f"office_hours: cần danh sách các khoảng [bắt đầu, kết thúc], nhận {office_hours!r}")
    if not office_hours:
        raise CalendarError("office_hours: cần ít nhất một khoảng giờ làm việc")
    periods: list[tuple[int, int]] = []
    for i, period in enumerate(office_hours):
        what = f"office_hours[{i}]"
        if isinstance(period, str | bytes) or not isinstance(period, Sequence) or len(period) != 2:
            raise CalendarError(f'{what}: cần ["HH:MM", "HH:MM"], nhận {period!r}')
        start = parse_hhmm(period[0], f"{what} bắt đầu")
        end = parse_hhmm(period[1], f"{what} kết thúc")
        if end <= start:
            raise CalendarError(f"{what}: giờ kết thúc {fmt_minutes(end)} không sau giờ bắt đầu {fmt_minutes(start)}")
        if periods and start < periods[-1][1]:
            raise CalendarError(
                f"{what}: bắt đầu lúc {fmt_minutes(start)}, trước khi khoảng trước kết thúc "
                f"({fmt_minutes(periods[-1][1])}); ghi các khoảng theo thứ tự, không chồng lấn"
            )
        periods.append((start, end))
    return periods


def parse_counting(counting: str) -> str:
    if counting not in COUNTING_MODES:
        raise CalendarError(f"counting: phải là một trong {COUNTING_MODES}, nhận {counting!r}")
    return counting


def parse_cutoff(intake_cutoff: str | time, day_end: int) -> int:
    """The intake cutoff in minutes; it must not be after the end of office hours (``day_end`` minutes)."""
    cutoff = parse_hhmm(intake_cutoff, "intake_cutoff")
    if cutoff > day_end:
        raise CalendarError(
            f"intake_cutoff: {fmt_minutes(cutoff)} sau giờ kết thúc làm việc ({fmt_minutes(day_end)})"
        )
    return cutoff


def overrides_by_date(overrides: Iterable[CalendarOverride]) -> dict[date, CalendarOverride]:
    by_date: dict[date, CalendarOverride] = {}
    for ov in overrides:
        if not isinstance(ov, CalendarOverride):
            raise CalendarError(f"overrides: cần CalendarOverride, nhận {ov!r}")
        if ov.date in by_date:
            raise CalendarError(f"overrides: ngày {ov.date} được ghi hai lần")
        by_date[ov.date] = ov
    return by_date
