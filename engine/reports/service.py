"""The reports as the CLI and the web ask for them: a period, an agency, a format."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..errors import NotFound
from ..services import Services
from . import exports, ii06a
from .periods import Period, between, period


def resolve_period(kind: str | None = None, year: int | None = None, number: int = 1, cutoff: bool = True,
                   start: date | None = None, end: date | None = None) -> Period:
    if kind and kind != "range":
        return period(kind, year or date.today().year, number, cutoff)
    if start is None or end is None:
        raise NotFound("Chưa chọn kỳ báo cáo (từ ngày, đến ngày).")
    return between(start, end)


def agency_name(services: Services, session: Any, agency: str | None) -> str:
    if agency is None:
        return "Tất cả cơ quan, đơn vị trên địa bàn tỉnh"
    return services.agency(session, agency).name


def ii06a_report(services: Services, agency: str | None = None, *, within: Period | None = None,
                 **when: Any) -> tuple[ii06a.Report, list[ii06a.Line], str]:
    p = within or resolve_period(**when)
    with services.sessions() as session:
        name = agency_name(services, session, agency)
        conn = session.connection()
        report = ii06a.compute(conn, p, services.calendar.tz, agency)
        return report, ii06a.lines(report, ii06a.procedure_names(conn)), name


def ii06a_file(services: Services, fmt: str, agency: str | None = None, *, within: Period | None = None,
               **when: Any) -> tuple[bytes, str]:
    """The report as a file in ``fmt``, and a file name for it."""
    report, rows, name = ii06a_report(services, agency, within=within, **when)
    p = report.period
    data = exports.render(fmt, report, rows, name, services.now().astimezone(services.calendar.tz))
    return data, f"II06a_{agency or 'tat-ca'}_{p.start:%Y%m%d}-{p.end:%Y%m%d}.{fmt}"


def monthly(services: Services, p: Period, agency: str | None) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """The chart's figures: (month label, resolved, early + on time) per calendar month the period touches,
    and (field name, resolved, early + on time) per field over the same months."""
    from ..listing import field_name
    from .periods import months_of

    months = months_of(p)
    first, last = months[0][0] * 100 + months[0][1], months[-1][0] * 100 + months[-1][1]
    with services.sessions() as session:
        conn = session.connection()
        per_month = {m: (n, ok) for m, _, n, ok in ii06a.monthly_on_time(conn, first, last, agency)}
        per_field: dict[str, list[int]] = {}
        for _, fld, n, ok in ii06a.monthly_on_time(conn, first, last, agency, by_field=True):
            acc = per_field.setdefault(fld, [0, 0])
            acc[0] += n
            acc[1] += ok
    month_bars = [(f"{m:02d}/{y}", *per_month.get(y * 100 + m, (0, 0))) for y, m in months]
    field_bars = [(field_name(f), n, ok) for f, (n, ok) in sorted(per_field.items())]
    return month_bars, field_bars


def agencies(services: Services) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from ..storage.models import AgencyRow

    with services.sessions() as session:
        return [(r.id, r.name) for r in session.execute(select(AgencyRow.id, AgencyRow.name).order_by(AgencyRow.name))]


__all__ = ["agencies", "agency_name", "ii06a_file", "ii06a_report", "monthly", "resolve_period"]
