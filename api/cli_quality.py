"""``motcua quality ...``: conformance checks of closed dossiers, an internal audit's sample, the retention report."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("quality")
def quality_group() -> None:
    """Quản lý chất lượng ISO 9001 / Quality management (issue 10)."""


@quality_group.command("check")
@click.option("--all", "everything", is_flag=True, help="Kiểm tra lại mọi hồ sơ đã kết thúc / Re-check every closed dossier.")
@click.argument("codes", nargs=-1)
@with_appcontext
def check_command(everything: bool, codes: tuple[str, ...]) -> None:
    """Kiểm tra sự phù hợp / Conformance check.

    Các hồ sơ đã kết thúc chưa được kiểm tra (hoặc tất cả với --all, hoặc các mã hồ sơ đã cho).

    Closed dossiers not yet checked (every one with --all, or the given codes).
    """
    from engine import DomainError
    from engine.quality import checks

    services = current_app.extensions["motcua"]
    if codes:
        for code in codes:
            try:
                report = checks.run_code(services, code, "demand")
            except DomainError as exc:
                raise click.ClickException(exc.message) from None
            verdict = "phù hợp" if report.conforming else "; ".join(f"{d.label} ({d.step or '—'})" for d in report.deviations)
            click.echo(f"{report.code}: {verdict}")
        return
    done = checks.run_closed(services, only_missing=not everything)
    click.echo(f"Đã kiểm tra {done} hồ sơ đã kết thúc.")


@quality_group.command("sample")
@click.argument("audit_id", type=int)
@click.option("--seed", type=click.IntRange(1, 2**31 - 1), default=None,
              help="Hạt giống (mặc định: hệ thống chọn và ghi lại) / Seed (default: chosen and recorded).")
@with_appcontext
def sample_command(audit_id: int, seed: int | None) -> None:
    """Chọn mẫu cho cuộc đánh giá nội bộ / Draw an internal audit's sample.

    Chọn ngẫu nhiên có thể lặp lại (hạt giống được ghi lại); danh mục kiểm tra điền sẵn từ kiểm tra sự phù hợp.
    """
    from engine import SYSTEM, DomainError
    from engine.quality import internal_audit
    from engine.quality.queries import samples

    services = current_app.extensions["motcua"]
    try:
        with services.sessions() as session:
            audit = internal_audit.sample(services, session, SYSTEM, services.now(), audit_id, seed)
            session.commit()
            rows = samples(session, audit_id)
            click.echo(f"Cuộc đánh giá số {audit.id}: hạt giống {audit.seed}, {len(rows)} hồ sơ mẫu")
            for row in rows:
                deviations = sum(1 for line in row.checklist if line["result"] != "ok")
                click.echo(f"  {row.procedure_code}  {row.code}  ({deviations} tiêu chí sai lệch)")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


@quality_group.command("retention")
@with_appcontext
def retention_command() -> None:
    """Hồ sơ đến hạn chuyển lưu trữ / Records due for archiving.

    Không xóa gì: chỉ liệt kê. / Nothing is deleted: a report only.
    """
    from engine.quality.retention import due

    services = current_app.extensions["motcua"]
    tz = services.calendar.tz
    with services.sessions() as session:
        report = due(session, services.now().astimezone(tz).date(), tz, services.settings.workflows_dir)
    for item in report:
        p = item.period
        if p.years is None:
            click.echo(f"{p.label}: thời hạn lưu {p.text} ({p.source})")
            continue
        click.echo(f"{p.label}: lưu {p.text} kể từ {p.after}; {item.count} đến hạn chuyển lưu trữ"
                   + (f", cũ nhất {item.oldest:%d/%m/%Y}" if item.oldest else ""))
        for row in item.items[:20]:
            click.echo(f"  {row['code']}  {row['ended']:%d/%m/%Y}")


def register(cli: click.Group) -> None:
    cli.add_command(quality_group)
