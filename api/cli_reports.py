"""``motcua report``: Biểu II.06a (and the facts behind it) from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' không phải ngày dạng YYYY-MM-DD (ví dụ 2026-03-14)", param_hint=name) from None


def register(cli: Any) -> None:
    @cli.group("report")
    def report_group() -> None:
        """Báo cáo thống kê / Statistics reports."""

    @report_group.command("ii06a")
    @click.option("--from", "start", help="Từ ngày (YYYY-MM-DD) / First day.")
    @click.option("--to", "end", help="Đến ngày, tính cả ngày này (YYYY-MM-DD) / Last day, included.")
    @click.option("--period", "kind", type=click.Choice(["month", "quarter", "half", "year"]),
                  help="Hoặc một kỳ báo cáo (chốt ngày 14, Nghị định 09/2019) / Or a reporting period (closing on the 14th).")
    @click.option("--year", type=int, help="Năm của kỳ / The period's year.")
    @click.option("--number", type=int, default=1, show_default=True, help="Kỳ số mấy trong năm / Which period of the year.")
    @click.option("--calendar-months", is_flag=True, help="Kỳ theo tháng dương lịch thay vì chốt ngày 14 / Calendar months.")
    @click.option("--agency", default=None, help="Mã cơ quan (mặc định: mọi cơ quan) / Agency id (default: all).")
    @click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf", "csv"]), default="xlsx", show_default=True)
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Tệp ghi ra / Output file.")
    @with_appcontext
    def ii06a_command(start: str | None, end: str | None, kind: str | None, year: int | None, number: int,
                      calendar_months: bool, agency: str | None, fmt: str, output: Path) -> None:
        """Biểu II.06a của một kỳ / The II.06a report of a period.

        Ví dụ / e.g.: motcua report ii06a --from 2025-12-15 --to 2026-03-14 --format xlsx -o quy1.xlsx
        """
        from engine import DomainError
        from engine.reports import service

        first, last = _day(start, "--from"), _day(end, "--to")
        services = current_app.extensions["motcua"]
        try:
            if kind:
                if year is None:
                    raise click.UsageError("--period cần --year (ví dụ --period quarter --year 2026 --number 1)")
                data, name = service.ii06a_file(services, fmt, kind=kind, year=year, number=number,
                                                cutoff=not calendar_months, agency=agency)
            else:
                if first is None or last is None:
                    raise click.UsageError("cần --from và --to (hoặc --period, --year, --number)")
                data, name = service.ii06a_file(services, fmt, start=first, end=last, agency=agency)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        output.write_bytes(data)
        click.echo(f"đã ghi {output} ({len(data)} byte): {name}")

    @report_group.command("rebuild-facts")
    @with_appcontext
    def rebuild_command() -> None:
        """Dựng lại số liệu thống kê từ nhật ký / Rebuild the reporting facts from the audit log."""
        from engine.reports.facts import rebuild

        services = current_app.extensions["motcua"]
        with services.sessions() as session:
            seen = rebuild(session.connection(), services.calendar.tz)
            session.commit()
        click.echo(f"đã dựng lại số liệu của {seen} hồ sơ")
