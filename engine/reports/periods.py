"""Reporting periods: the Government Office's (closing on the 14th) and calendar ones, or any two dates.

LEGAL.md §7 [P: Nghị định 09/2019/NĐ-CP art. 12]: data are cut from the 15th of the month before
the period to the 14th of its last month (quarter 1: 15/12–14/3; 6 months: 15/12–14/6 and
15/6–14/12; year: 15/12–14/12). That cut-off is the default; calendar periods are offered too.
A period is a pair of local dates, both included; it covers the instants from the first date's
midnight to the midnight after the last date (a dossier received at 17:30 on the last day is in).
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from ..errors import InvalidCommand

KINDS = {"month": "Tháng", "quarter": "Quý", "half": "6 tháng", "year": "Năm", "range": "Từ ngày đến ngày"}
CUTOFF_DAY = 14  # the Government Office's periods close on the 14th of the closing month
CUTOFF_NOTE = ("Kỳ báo cáo mặc định theo Nghị định 09/2019/NĐ-CP (Điều 12): số liệu tính từ ngày 15 tháng trước kỳ "
               "đến ngày 14 của tháng cuối kỳ. Có thể chọn kỳ theo tháng dương lịch hoặc hai ngày bất kỳ.")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    label: str

    def instants(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[from, to) in aware datetimes: local midnight of the first day, local midnight after the last."""
        return (datetime.combine(self.start, time(), tz), datetime.combine(self.end + timedelta(days=1), time(), tz))

    def previous(self) -> Period:
        """The period of the same length just before (for 'this month vs last')."""
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        return Period(end - length, end, "kỳ trước")


def between(start: date, end: date) -> Period:
    if end < start:
        raise InvalidCommand(f"Kỳ báo cáo không hợp lệ: ngày kết thúc {end:%d/%m/%Y} trước ngày bắt đầu {start:%d/%m/%Y}.")
    return Period(start, end, f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}")


def _month_end(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


def _months_back(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) - n
    return index // 12, index % 12 + 1


def period(kind: str, year: int, number: int = 1, cutoff: bool = True) -> Period:
    """The ``number``-th month / quarter / half of ``year`` (or the year), cut on the 14th unless ``cutoff`` is False."""
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}.get(kind)
    if months is None:
        raise InvalidCommand(f"Loại kỳ báo cáo không hợp lệ '{kind}' (month, quarter, half, year).")
    count = 12 // months
    if not 1 <= number <= count:
        raise InvalidCommand(f"Kỳ số {number} không hợp lệ cho loại kỳ '{KINDS[kind]}' (1–{count}).")
    last_month = number * months
    first_month = last_month - months + 1
    name = {"month": f"Tháng {number}/{year}", "quarter": f"Quý {number}/{year}",
            "half": f"6 tháng {'đầu' if number == 1 else 'cuối'} năm {year}", "year": f"Năm {year}"}[kind]
    if cutoff:
        py, pm = _months_back(year, first_month, 1)
        return Period(date(py, pm, CUTOFF_DAY + 1), date(year, last_month, CUTOFF_DAY), name)
    return Period(date(year, first_month, 1), _month_end(year, last_month), name + " (theo tháng dương lịch)")


def current(kind: str, today: date, cutoff: bool = True) -> Period:
    """The period of ``kind`` that contains ``today``."""
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}.get(kind)
    if months is None:
        raise InvalidCommand(f"Loại kỳ báo cáo không hợp lệ '{kind}' (month, quarter, half, year).")
    year, month = today.year, today.month
    if cutoff and today.day > CUTOFF_DAY:
        year, month = _months_back(year, month, -1)
    return period(kind, year, (month - 1) // months + 1, cutoff)


def months_of(p: Period) -> list[tuple[int, int]]:
    """The calendar months (year, month) the period touches, in order."""
    out, (y, m) = [], (p.start.year, p.start.month)
    while (y, m) <= (p.end.year, p.end.month):
        out.append((y, m))
        y, m = _months_back(y, m, -1)
    return out


__all__ = ["CUTOFF_NOTE", "KINDS", "Period", "between", "current", "months_of", "period"]
