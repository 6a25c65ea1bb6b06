"""Biểu II.06a: received, resolved and in-progress dossiers of a period, by level, field and procedure.

Every figure is an SQL aggregate over the facts the commands keep (``engine.reports.tables``);
the rows of the several aggregates are merged by their group key. The rules of each column
and of every edge are written in docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection, case, func, select
from sqlalchemy.sql import ColumnElement

from ..vocabulary import Result
from .facts import NOT_RECEIVED, WITHDRAWN
from .periods import Period
from .summary import day_number
from .tables import DAYS

# The columns, in the form's order, with their headings (docs/reports.md defines each).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("received_total", "Tổng số"),
    ("received_online", "Trực tuyến"),
    ("received_direct", "Trực tiếp, dịch vụ bưu chính"),
    ("carried_over", "Từ kỳ trước chuyển qua"),
    ("resolved_total", "Tổng số"),
    ("early", "Trước hạn"),
    ("on_time", "Đúng hạn"),
    ("late", "Quá hạn"),
    ("in_progress_total", "Tổng số"),
    ("within_time", "Trong hạn"),
    ("overdue", "Quá hạn"),
    ("awaiting_supplement", "Chờ bổ sung"),
    ("withdrawn", "Rút / dừng giải quyết"),
    ("closed_unsupplemented", "Đóng do không bổ sung"),
    ("refused", "Từ chối giải quyết"),
    ("refused_intake", "Từ chối tiếp nhận"),
    ("apologies", "Thư xin lỗi"),
)
KEYS = tuple(k for k, _ in COLUMNS)
# The form's header groups: (title, first column, how many columns).
GROUPS = (
    ("Số hồ sơ nhận giải quyết", 0, 4),
    ("Kết quả giải quyết: Số hồ sơ đã giải quyết", 4, 4),
    ("Số hồ sơ đang giải quyết", 8, 3),
    ("Thông tin thêm", 11, 6),
)
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
FORM = "Biểu số II.06a/VPCP/KSTT"
# Statuses of a span in which the dossier waits on someone else: counted in progress within time (LEGAL.md §7 [P]).
WAITING_STATES = ("supplement", "payment", "withdrawal")  # kept in engine/reports/summary.py
ENDED_OTHER = (Result.APPROVED, Result.REFUSED, WITHDRAWN, NOT_RECEIVED)

Key = tuple[str, str, str]  # (level, field, procedure code)


def _zeros() -> dict[str, int]:
    return dict.fromkeys(KEYS, 0)


@dataclass
class Row:
    level: str
    field: str
    procedure: str
    figures: dict[str, int] = dataclass_field(default_factory=_zeros)

    @property
    def on_time_rate(self) -> float | None:
        done = self.figures["resolved_total"]
        return (self.figures["early"] + self.figures["on_time"]) / done if done else None


@dataclass
class Report:
    period: Period
    agency: str | None
    rows: list[Row]
    total: Row

    def by(self, *keys: str) -> list[Row]:
        """Rows summed by ``level`` / ``field`` (the form's subtotal lines)."""
        out: dict[tuple[str, ...], Row] = {}
        for row in self.rows:
            key = tuple(getattr(row, k) for k in keys)
            agg = out.get(key)
            if agg is None:
                agg = out[key] = Row(row.level if "level" in keys else "", row.field if "field" in keys else "", "")
            for k in KEYS:
                agg.figures[k] += row.figures[k]
        return [out[k] for k in sorted(out)]


def _n(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_DIMS = (DAYS.c.level, DAYS.c.field, DAYS.c.procedure_code)
# The flows of the period, summed from the day-rows (engine/reports/summary.py), in this order.
FLOWS = ("received_new", "received_online", "resolved_total", "early", "on_time", "late", "withdrawn", "refused",
         "closed_unsupplemented", "refused_intake", "apologies")
_FLOW_COLUMNS = ("received",) + FLOWS[1:]


def compute(conn: Connection, period: Period, tz: tzinfo, agency: str | None = None) -> Report:
    """The report for ``period`` (local dates) and one agency (None: every agency).

    Three aggregates over ``report_days`` (the facts summed per local day): the flows of the period's
    days, the stock at its first midnight (carried over) and at the midnight after its last day (in
    progress, within time, awaiting a supplement). Identical to counting the facts themselves, which
    ``tests/reports`` checks against an independent count of the audit log.
    """
    first, last = day_number(period.start), day_number(period.end)
    rows: dict[Key, Row] = {}

    def add(result: Iterable[Any], names: tuple[str, ...]) -> None:
        for rec in result:
            key = (rec[0], rec[1], rec[2])
            row = rows.get(key)
            if row is None:
                row = rows[key] = Row(*key)
            for name, value in zip(names, rec[3:], strict=True):
                row.figures[name] = row.figures.get(name, 0) + int(value or 0)

    d = DAYS.c
    mine = [d.agency_id == agency] if agency else []

    def summed(*columns: str) -> list[Any]:
        return [func.coalesce(func.sum(d[c]), 0) for c in columns]

    grouped = lambda query: query.group_by(*_DIMS)  # noqa: E731
    add(conn.execute(grouped(select(*_DIMS, *summed(*_FLOW_COLUMNS)).where(d.day >= first, d.day <= last, *mine))), FLOWS)
    # Carried over: open at the period's first instant, where it was then.
    add(conn.execute(grouped(select(*_DIMS, *summed("open_delta")).where(d.day < first, *mine))), ("carried_over",))
    # In progress at the period's end: within time (waiting on the applicant, or due not passed) or overdue.
    add(conn.execute(grouped(select(*_DIMS, *summed("open_delta", "overdue_delta", "supplement_delta"))
                             .where(d.day <= last, *mine))), ("in_progress_total", "overdue", "awaiting_supplement"))
    rows = {key: row for key, row in rows.items() if any(row.figures.values())}

    total = Row("", "", "")
    out = []
    for key in sorted(rows):
        row = rows[key]
        fig = row.figures
        fig["received_direct"] = fig.pop("received_new", 0) - fig["received_online"]
        fig["received_total"] = fig["received_direct"] + fig["received_online"] + fig["carried_over"]
        fig["within_time"] = fig["in_progress_total"] - fig["overdue"]
        for k in KEYS:
            total.figures[k] += fig[k]
        out.append(row)
    return Report(period, agency, out, total)


def monthly_on_time(conn: Connection, start_month: int, end_month: int, agency: str | None = None,
                    by_field: bool = False) -> list[tuple[int, str, int, int]]:
    """(YYYYMM, field or '', resolved, early + on time) per calendar month of the result, for the chart."""
    d = DAYS.c
    month = d.day // 100  # YYYYMM
    dims = [month] + ([d.field] if by_field else [])
    where = [d.day >= start_month * 100, d.day < (end_month + 1) * 100] + ([d.agency_id == agency] if agency else [])
    query = select(*dims, func.sum(d.resolved_total), func.sum(d.early + d.on_time)).where(*where)
    out = []
    for r in conn.execute(query.group_by(*dims).order_by(*dims)):
        if r[-2]:
            out.append((int(r[0]), r[1] if by_field else "", int(r[-2]), int(r[-1])))
    return out


__all__ = ["COLUMNS", "FORM", "GROUPS", "KEYS", "TITLE", "Report", "Row", "compute", "monthly_on_time"]


# ---------------------------------------------------------------------- the form's lines

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")


@dataclass(frozen=True)
class Line:
    """One line of the printed form: a level or field subtotal, a procedure, or the total."""

    kind: str  # total | level | field | procedure
    number: str  # STT
    label: str
    figures: dict[str, int]

    @property
    def on_time_rate(self) -> float | None:
        done = self.figures["resolved_total"]
        return (self.figures["early"] + self.figures["on_time"]) / done if done else None


def lines(report: Report, procedure_names: dict[str, str]) -> list[Line]:
    """The total, then for each level its subtotal, each field's subtotal and its procedures."""
    from ..labels import LEVELS
    from ..listing import field_name

    out = [Line("total", "", "Tổng cộng", report.total.figures)]
    levels = report.by("level")
    fields = report.by("level", "field")
    for i, level in enumerate(levels):
        out.append(Line("level", ROMAN[i] if i < len(ROMAN) else str(i + 1), LEVELS.get(level.level, level.level or "—"),
                        level.figures))
        for j, fld in enumerate(f for f in fields if f.level == level.level):
            out.append(Line("field", str(j + 1), "Lĩnh vực " + field_name(fld.field), fld.figures))
            for k, row in enumerate(r for r in report.rows if r.level == level.level and r.field == fld.field):
                name = procedure_names.get(row.procedure, "")
                out.append(Line("procedure", f"{j + 1}.{k + 1}", f"{row.procedure} – {name}" if name else row.procedure,
                                row.figures))
    return out


def procedure_names(conn: Connection) -> dict[str, str]:
    """Each procedure code's name, from its latest version (an abolished procedure keeps its name)."""
    from ..storage.models import ProcedureVersion, table

    v = table(ProcedureVersion).c
    return {code: name for code, name in conn.execute(select(v.code, v.name).order_by(v.code, v.version))}
