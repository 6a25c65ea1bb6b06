"""Biểu II.06a: received, resolved and in-progress dossiers of a period, by level, field and procedure.

Every figure is an SQL aggregate over the facts the commands keep (``engine.reports.tables``);
the rows of the several aggregates are merged by their group key. The rules of each column
and of every edge are written in docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, case, func, or_, select
from sqlalchemy.sql import ColumnElement

from ..vocabulary import Channel, Result, Timeliness
from .facts import NOT_RECEIVED, WITHDRAWN
from .periods import Period
from .tables import FACTS, SPANS

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
WAITING_STATES = ("supplement", "payment", "withdrawal")
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


def _group(query: Any, *extra: Any) -> Any:
    return query.group_by(FACTS.c.level, FACTS.c.field, FACTS.c.procedure_code, *extra)


_DIMS = (FACTS.c.level, FACTS.c.field, FACTS.c.procedure_code)


def compute(conn: Connection, period: Period, tz: tzinfo, agency: str | None = None) -> Report:
    """The report for ``period`` (local dates) and one agency (None: every agency)."""
    start, end = period.instants(tz)
    rows: dict[Key, Row] = {}

    def add(result: Iterable[Any], names: tuple[str, ...]) -> None:
        for rec in result:
            key = (rec[0], rec[1], rec[2])
            row = rows.get(key)
            if row is None:
                row = rows[key] = Row(*key)
            for name, value in zip(names, rec[3:], strict=True):
                row.figures[name] = row.figures.get(name, 0) + int(value or 0)

    f = FACTS.c
    # Received in the period: new dossiers, by channel, at the agency competent when they were received.
    where = [f.received_at >= start, f.received_at < end] + ([f.agency_received == agency] if agency else [])
    add(conn.execute(_group(select(*_DIMS, func.count(), _n(f.channel == Channel.ONLINE)).where(*where))),
        ("received_new", "received_online"))
    # Ended in the period (result ready, withdrawn, closed), at the agency competent when it ended.
    where = [f.ended_at >= start, f.ended_at < end, f.received_at.is_not(None), f.outcome != NOT_RECEIVED]
    where += [f.agency_ended == agency] if agency else []
    add(conn.execute(_group(select(
        *_DIMS, func.count(), _n(f.timeliness == Timeliness.EARLY), _n(f.timeliness == Timeliness.ON_TIME),
        _n(f.timeliness == Timeliness.LATE), _n(f.outcome == WITHDRAWN), _n(f.outcome == Result.REFUSED),
        _n(f.outcome.not_in(ENDED_OTHER)),
    ).where(*where))), ("resolved_total", "early", "on_time", "late", "withdrawn", "refused", "closed_unsupplemented"))
    # Refused at intake (Mẫu 03) in the period: never received, shown apart.
    where = [f.registered_at >= start, f.registered_at < end, f.outcome == NOT_RECEIVED]
    where += [f.agency_received == agency] if agency else []
    add(conn.execute(_group(select(*_DIMS, func.count()).where(*where))), ("refused_intake",))
    # Apologies sent in the period, by the agency competent when it apologised.
    where = [f.apology_at >= start, f.apology_at < end] + ([f.agency_apology == agency] if agency else [])
    add(conn.execute(_group(select(*_DIMS, func.count()).where(*where))), ("apologies",))
    # Carried over: in progress at the period's first instant, where it was then.
    s = SPANS.c
    joined = SPANS.join(FACTS, f.dossier_id == s.dossier_id)

    def open_at(moment: datetime) -> list[ColumnElement[bool]]:
        cond = [s.started_at < moment, or_(s.ended_at.is_(None), s.ended_at >= moment)]
        return cond + ([s.agency_id == agency] if agency else [])

    add(conn.execute(_group(select(*_DIMS, func.count()).select_from(joined).where(*open_at(start)))), ("carried_over",))
    # In progress at the period's end: within time (waiting on the applicant, or due not passed) or overdue.
    waiting = s.state.in_(WAITING_STATES)
    within = or_(waiting, s.due_at.is_(None), s.due_at >= end)
    add(conn.execute(_group(select(
        *_DIMS, func.count(), _n(within), _n(s.state == "supplement"),
    ).select_from(joined).where(*open_at(end)))), ("in_progress_total", "within_time", "awaiting_supplement"))

    total = Row("", "", "")
    out = []
    for key in sorted(rows):
        row = rows[key]
        fig = row.figures
        fig["received_direct"] = fig.pop("received_new", 0) - fig["received_online"]
        fig["received_total"] = fig["received_direct"] + fig["received_online"] + fig["carried_over"]
        fig["overdue"] = fig["in_progress_total"] - fig["within_time"]
        for k in KEYS:
            total.figures[k] += fig[k]
        out.append(row)
    return Report(period, agency, out, total)


def monthly_on_time(conn: Connection, start_month: int, end_month: int, agency: str | None = None,
                    by_field: bool = False) -> list[tuple[int, str, int, int]]:
    """(YYYYMM, field or '', resolved, early + on time) per calendar month of the result, for the chart."""
    f = FACTS.c
    dims = [f.ended_month] + ([f.field] if by_field else [])
    where = [f.ended_month >= start_month, f.ended_month <= end_month, f.received_at.is_not(None), f.outcome != NOT_RECEIVED]
    where += [f.agency_ended == agency] if agency else []
    query = select(*dims, func.count(), _n(f.timeliness.in_((Timeliness.EARLY, Timeliness.ON_TIME)))).where(*where)
    result = conn.execute(query.group_by(*dims).order_by(*dims))
    return [(r[0], r[1] if by_field else "", int(r[-2]), int(r[-1])) for r in result]


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
