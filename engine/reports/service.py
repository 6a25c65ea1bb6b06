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


def ii06a_report(services: Services, agency: str | None = None, **when: Any) -> tuple[ii06a.Report, list[ii06a.Line], str]:
    p = resolve_period(**when)
    with services.sessions() as session:
        name = agency_name(services, session, agency)
        conn = session.connection()
        report = ii06a.compute(conn, p, services.calendar.tz, agency)
        return report, ii06a.lines(report, ii06a.procedure_names(conn)), name


def ii06a_file(services: Services, fmt: str, agency: str | None = None, **when: Any) -> tuple[bytes, str]:
    """The report as a file in ``fmt``, and a file name for it."""
    report, rows, name = ii06a_report(services, agency, **when)
    p = report.period
    data = exports.render(fmt, report, rows, name, services.now().astimezone(services.calendar.tz))
    return data, f"II06a_{agency or 'tat-ca'}_{p.start:%Y%m%d}-{p.end:%Y%m%d}.{fmt}"


__all__ = ["agency_name", "ii06a_file", "ii06a_report", "resolve_period"]
