"""``motcua import dossiers FILE``: dossiers exported from another one-stop system (issue 13).

Registered under the ``import`` group (api/cli_catalogue.py) by one line at the bottom of api/cli.py.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("dossiers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", "dry_run", is_flag=True, help="Chỉ kiểm tra, không ghi / Check only, write nothing.")
@click.option("--batch", default=2000, show_default=True, help="Số hồ sơ mỗi lô ghi / Dossiers per written batch.")
@click.option("--quiet", "-q", is_flag=True, help="Không hiện thanh tiến độ / No progress bar.")
@with_appcontext
def import_dossiers_command(file: Path, dry_run: bool, batch: int, quiet: bool) -> None:
    """Nhập hồ sơ từ hệ thống một cửa khác / Import dossiers from another system.

    FILE: CSV (có dòng tiêu đề) hoặc JSON lines (.jsonl), các cột code, procedure,
    applicant, channel, received, due, status, resolved, returned và steps (nếu có).
    Hồ sơ đã đóng thành lịch sử (kèm đúng hạn/trễ hạn); hồ sơ đang mở chạy tiếp ở
    bước hiện tại với thời hạn còn lại. Dòng không hợp lệ được báo kèm số dòng và lý
    do; khi có dòng lỗi, không hồ sơ nào được ghi (mã thoát 1).

    FILE: CSV with a header or JSON lines; closed dossiers become history with their
    timeliness, open ones run on at their current step. Bad rows are reported with
    line and reason, and then nothing is loaded (exit 1).
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from engine.bulk import import_dossiers

    services = current_app.extensions["motcua"]
    started = time.perf_counter()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rows]} dòng"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=quiet, transient=False) as bar:
        task = bar.add_task("Nhập hồ sơ", total=file.stat().st_size, rows=0)
        report = import_dossiers(services, file, batch=batch, dry_run=dry_run,
                                 progress=lambda rows, done: bar.update(task, completed=done, rows=rows))
    for problem in report.problems:
        click.echo(str(problem), err=True)
    elapsed = time.perf_counter() - started
    if report.problems:
        click.echo(f"{report.read} dòng đã đọc, {len(report.problems)} dòng không hợp lệ: không hồ sơ nào được ghi "
                   f"({elapsed:.1f} s).", err=True)
        sys.exit(1)
    verb = "hợp lệ (chỉ kiểm tra, chưa ghi)" if dry_run else "đã nhập"
    click.echo(f"{report.closed + report.running} hồ sơ {verb}: {report.closed} đã đóng, {report.running} đang xử lý, "
               f"{report.tasks} bước ({elapsed:.1f} s).")
