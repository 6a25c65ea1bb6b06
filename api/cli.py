"""The ``motcua`` command line (the Flask CLI plus MotCua's own commands)."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from .paths import WORKFLOWS


def _create_app() -> Any:
    """The app of a command: ``run`` serves, so it needs a usable secret key (``api/secret.py``); the others sign nothing."""
    from . import create_app  # imported on demand: commands without an app stay light

    context = click.get_current_context(silent=True)
    return create_app({"SECRET_KEY_REQUIRED": context is not None and context.info_name == "run"})


class _Group(FlaskGroup):
    """The Flask CLI group, refusing an argument that holds text no database keeps (issue 12: every way in).

    A shell hands bytes that are not UTF-8 to Python as lone surrogates; a NUL cannot reach argv, but a
    control character can. Checked once here, before any command parses its options.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from engine.textcheck import problem

        for number, arg in enumerate(args, start=1):
            wrong = problem(arg, free=True)
            if wrong:
                raise click.UsageError(f"Tham số thứ {number} {wrong} / argument {number} holds invalid text.", ctx)
        return super().parse_args(ctx, args)


@click.group(cls=_Group, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """MotCua: giải quyết thủ tục hành chính theo cơ chế một cửa. Chạy `motcua setup` trước, rồi `motcua run`.

    MotCua: a one-stop (một cửa) workflow engine. Run `motcua setup` first, then `motcua run`.
    """


def main() -> None:
    cli(prog_name="motcua")


@cli.command("setup")
@click.option("--workflows", type=click.Path(file_okay=False, path_type=Path), default=None, help="Thư mục workflows/ / The workflows/ directory.")
@click.option("--demo", is_flag=True, help="Thêm tài khoản và hồ sơ mẫu (chỉ khi chưa có) / Add demo accounts and dossiers (once).")
@with_appcontext
def setup_command(workflows: Path | None, demo: bool) -> None:
    """Tạo/nâng cấp CSDL và nạp thủ tục / Set up the database.

    Tạo hoặc nâng cấp cơ sở dữ liệu, nạp cơ quan, quyết định và thủ tục; chạy lại vẫn an toàn.

    Create or migrate the database and load agencies, decisions and procedures (idempotent).
    """
    from engine.catalogue_sync import sync_catalog
    from engine.definitions import load_catalog
    from engine.storage.db import migrate

    services = current_app.extensions["motcua"]
    engine = services.sessions.kw["bind"]
    migrate(engine)
    root = workflows or WORKFLOWS
    catalog = load_catalog(root)
    if catalog.errors:
        for problem in catalog.errors:
            click.echo(str(problem), err=True)
        raise SystemExit("motcua setup: định nghĩa có lỗi, chưa nạp (chạy `motcua validate`).")
    applied = _apply_decisions(services, root, catalog)
    with services.sessions() as session:  # definitions no decision brings yet (drafts, tests)
        report = sync_catalog(session, catalog, services.now())
        session.commit()
    click.echo(
        f"Cơ sở dữ liệu sẵn sàng ({engine.url.render_as_string(hide_password=True)}): {report.agencies} cơ quan, "
        f"{applied} quyết định mới được áp dụng, {len(report.added)} phiên bản thủ tục ngoài quyết định, "
        f"{report.unchanged} không đổi."
    )
    if demo:
        from .demo import seed

        click.echo(seed(services))
    _warn_divisions(services)
    _signing_key()
    _secret_key()


def _secret_key() -> None:
    """The key that signs session cookies, generated into the instance folder unless one is configured."""
    from .secret import ensure_file, key_file

    if current_app.config.get("SECRET_KEY") and not key_file(current_app).is_file():
        return  # configured (MOTCUA_SECRET_KEY): nothing to write
    path = key_file(current_app)
    if ensure_file(path):
        click.echo(f"Đã tạo khóa bí mật ký phiên đăng nhập: {path} (chỉ chủ sở hữu đọc được; giữ bí mật).")


def _signing_key() -> None:
    """The audit log's signing key in the instance folder, created if missing (issue 10)."""
    from engine.quality.heads import ensure_key

    from .quality import audit_folder

    path, created = ensure_key(audit_folder(current_app))
    if created:
        click.echo(f"Đã tạo khóa ký nhật ký kiểm toán: {path} (giữ bí mật, sao lưu riêng).")


def _warn_divisions(services: object) -> None:
    """Name the accounts whose division their agency does not declare (they see no division's steps)."""
    from engine.storage.accounts import users_in_unknown_divisions

    with services.sessions() as session:  # type: ignore[attr-defined]
        for user in users_in_unknown_divisions(session):
            click.echo(
                f"cảnh báo: tài khoản {user.id} ({user.agency_id or 'không thuộc cơ quan'}) ghi phòng '{user.division}', "
                "không có trong 'divisions' của cơ quan ở workflows/agencies.yaml: tài khoản này không thấy, "
                "không xử lý được việc của phòng nào cho đến khi quản trị viên sửa.",
                err=True,
            )


def _apply_decisions(services: object, root: Path, catalog: object) -> int:
    """Apply workflows/decisions/ in date order (already applied ones are skipped)."""
    from engine import SYSTEM, DomainError
    from engine.decisions import apply, replay

    timeline = replay(root, catalog=catalog)  # type: ignore[arg-type]
    count = 0
    for decision in timeline.decisions:
        try:
            report = apply(services, timeline, decision, SYSTEM)  # type: ignore[arg-type]
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        count += not report.already_applied
    return count


@cli.command("validate", with_appcontext=False)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Chỉ in lỗi, không in cảnh báo / Print errors only, no warnings.")
def validate_command(paths: tuple[Path, ...], quiet: bool) -> None:
    """Kiểm tra định nghĩa thủ tục / Validate definitions.

    Mặc định: workflows/; mã thoát 1 nếu có lỗi. / Default: workflows/; exit 1 on any error.
    """
    from engine.definitions import load_catalog
    from engine.definitions.xmlfile import limits_from_env

    started = time.perf_counter()
    root = WORKFLOWS
    catalog = load_catalog(root, list(paths) or None, limits_from_env())
    for problem in catalog.problems:
        if problem.severity == "error" or not quiet:
            click.echo(str(problem))
    errors = len(catalog.errors)
    warnings = len(catalog.problems) - errors
    click.echo(
        f"{len(catalog.procedures)} thủ tục hợp lệ, {errors} lỗi, {warnings} cảnh báo ({time.perf_counter() - started:.2f} s)",
        err=True,
    )
    sys.exit(1 if errors else 0)


@cli.command("export-bpmn", with_appcontext=False)
@click.argument("code")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Tệp ghi ra (mặc định: stdout) / Output file (default: stdout).")
def export_bpmn_command(code: str, output: Path | None) -> None:
    """Xuất BPMN 2.0 của thủ tục / Export a procedure's BPMN.

    BPMN 2.0 XML, kèm sơ đồ, của phiên bản hiện hành. / The BPMN 2.0 XML, with diagram, of its current version.
    """
    from engine.definitions import load_catalog

    catalog = load_catalog(WORKFLOWS)
    procedure = catalog.procedures.get(code)
    if procedure is None:
        raise click.ClickException(f"không có thủ tục hợp lệ mã {code} trong {WORKFLOWS}")
    xml = catalog.bpmn_xml(procedure)
    if output:
        output.write_text(xml, encoding="utf-8")
    else:
        click.echo(xml, nl=False)


@cli.command("due", with_appcontext=False)
@click.argument("start")
@click.argument("amount")
@click.argument("unit", type=click.Choice(["working_days", "working_hours", "hours", "calendar_days"]))
@click.option("--counting", type=click.Choice(["working_hours", "civil_code"]), default=None,
              help="Cách tính thời hạn (mặc định: theo workflows/calendar.yaml) / Counting mode (default: calendar.yaml's).")
def due_command(start: str, amount: str, unit: str, counting: str | None) -> None:
    """Tính hạn giải quyết / Compute a due moment.

    Thời điểm đến hạn của AMOUNT UNIT kể từ START (ISO 8601, có múi giờ).

    The due moment of AMOUNT UNIT counted from START (ISO 8601 with offset).
    """
    from engine import WorkingCalendar

    try:
        moment = datetime.fromisoformat(start)
    except ValueError:
        raise click.BadParameter(f"'{start}' không phải thời điểm ISO 8601, ví dụ 2026-02-12T15:30+07:00", param_hint="START") from None
    calendar = WorkingCalendar.from_yaml(WORKFLOWS / "calendar.yaml")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=calendar.tz)
    try:
        click.echo(calendar.add(moment, amount, unit, counting).isoformat())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command("schema", with_appcontext=False)
@click.option("--check", is_flag=True, help="Chỉ kiểm tra tệp schema đã cập nhật chưa / Only check that the schema file is current.")
def schema_command(check: bool) -> None:
    """Ghi JSON Schema của định nghĩa / Write the definition schema.

    Ghi workflows/schema/procedure.schema.json từ schema của engine.

    Write workflows/schema/procedure.schema.json from the engine's schema.
    """
    from engine.definitions import schema_json

    path = WORKFLOWS / "schema" / "procedure.schema.json"
    text = schema_json()
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            raise click.ClickException(f"{path} chưa cập nhật: chạy `motcua schema`")
        click.echo("schema cập nhật")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"đã ghi {path}")


@cli.command("scheduler")
@click.option("--outbox-seconds", default=5.0, show_default=True, help="Giây giữa các lượt chạy outbox / Seconds between outbox runs.")
@click.option("--once", is_flag=True, help="Chạy một lượt rồi dừng / One sweep (and the outbox), then stop.")
@click.option("--digest", is_flag=True, help="Với --once: gửi cả bản tổng hợp hằng ngày / With --once: the daily digest too.")
@with_appcontext
def scheduler_command(outbox_seconds: float, once: bool, digest: bool) -> None:
    """Chạy việc định kỳ / Run scheduled work.

    Outbox; quét thời hạn (cảnh báo sắp đến hạn, quá hạn, báo lãnh đạo); bản tổng hợp hằng ngày;
    mỗi ngày các quyết định chuyển thẩm quyền đến ngày hiệu lực và đầu cây nhật ký kiểm toán được ký.

    The outbox worker; the deadline sweep (near-due warnings, overdue escalations); the daily
    digest; each day the transfers of competence that take effect and a signed head of the audit tree.
    """
    import logging

    from engine.scheduler import build, run_daily, run_digest, run_sweep

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    services = current_app.extensions["motcua"]
    if once:
        report = run_sweep(services)
        people = run_digest(services) if digest else 0
        from engine import dispatch_pending

        done = dispatch_pending(services)
        click.echo(f"quét thời hạn: gửi {report.sent} cảnh báo, dời {report.moved}, bỏ {report.voided}, "
                   f"đóng {len(report.closed)} hồ sơ không bổ sung; "
                   f"tổng hợp: {people} người; outbox: {done} việc")
        return
    run_daily(services, WORKFLOWS)  # catch up on start
    click.echo("motcua scheduler: đang chạy (Ctrl+C để dừng)")
    from .quality import audit_folder

    build(services, WORKFLOWS, outbox_seconds, audit_folder(current_app)).start()


@cli.command("close-unsupplemented")
@click.option("--limit", default=500, show_default=True, help="Số hồ sơ tối đa một lượt / At most this many per run.")
@with_appcontext
def close_unsupplemented_command(limit: int) -> None:
    """Đóng hồ sơ quá hạn bổ sung / Close dossiers whose supplement did not arrive.

    Một lượt: đóng mọi hồ sơ chờ bổ sung đã hết thời hạn bổ sung của thủ tục (mặc định 15 ngày
    làm việc kể từ thông báo); đây là đóng hồ sơ, không phải từ chối.

    One pass: close every dossier awaiting a supplement whose waiting period (the procedure's,
    15 working days from the notice by default) has run out. A closure, not a refusal.
    """
    from engine.closing import close_due

    closed = close_due(current_app.extensions["motcua"], limit)
    for code in closed:
        click.echo(f"đã đóng hồ sơ {code}")
    click.echo(f"đã đóng {len(closed)} hồ sơ quá hạn bổ sung")


@cli.group("outbox")
def outbox_group() -> None:
    """Việc chạy sau khi ghi / Side effects after their commit."""


@outbox_group.command("run")
@click.option("--loop", is_flag=True, help="Chạy liên tục (worker) / Keep running (a worker).")
@click.option("--interval", default=2.0, show_default=True, help="Giây giữa các lượt khi --loop / Seconds between runs with --loop.")
@with_appcontext
def outbox_run_command(loop: bool, interval: float) -> None:
    """Chạy các việc đang chờ / Run pending side effects.

    Biểu mẫu, thông báo: một lượt, hoặc liên tục với --loop.

    Forms, notices: once, or as a worker with --loop.
    """
    from engine import dispatch_pending

    services = current_app.extensions["motcua"]
    while True:
        done = dispatch_pending(services)
        click.echo(f"đã xử lý {done} việc trong outbox")
        if not loop:
            return
        time.sleep(interval)


@outbox_group.command("dead")
@click.option("--limit", default=100, show_default=True, help="Số việc tối đa liệt kê / At most this many.")
@with_appcontext
def outbox_dead_command(limit: int) -> None:
    """Liệt kê việc hỏng hẳn / List dead letters.

    Việc chạy sau khi ghi đã thất bại ở mọi lần thử; xếp lại bằng `outbox retry ID`.

    Side effects that failed every attempt; retry them with `outbox retry ID`.
    """
    from engine import dead_letters

    services = current_app.extensions["motcua"]
    rows = dead_letters(services, limit)
    if not rows:
        click.echo("không có việc nào hỏng hẳn trong outbox")
        return
    for m in rows:
        error = (m.last_error or "").splitlines()[-1:] or [""]
        click.echo(f"{m.id}\t{m.handler}\thồ sơ #{m.dossier_id}\t{m.attempts} lần\t{m.created_at:%Y-%m-%d %H:%M}\t{error[0]}")


@outbox_group.command("retry")
@click.argument("message_ids", nargs=-1, type=int, required=True)
@with_appcontext
def outbox_retry_command(message_ids: tuple[int, ...]) -> None:
    """Xếp lại việc hỏng hẳn theo mã / Re-queue dead letters by id.

    Số lần thử được đếm lại từ đầu. / A fresh count of attempts.
    """
    from engine import retry

    services = current_app.extensions["motcua"]
    missing = [i for i in message_ids if not retry(services, i)]
    for i in message_ids:
        if i not in missing:
            click.echo(f"đã xếp lại việc {i}")
    if missing:
        raise click.ClickException(f"không phải việc hỏng hẳn: {', '.join(map(str, missing))}")


from .cli_catalogue import register  # noqa: E402  (publish, catalogue, diff, import dvcqg, listing: issue 3)

register(cli)

from .cli_audit import register as register_audit  # noqa: E402  (audit verify, publish, proofs: issue 10)

register_audit(cli)

from .cli_quality import register as register_quality  # noqa: E402  (quality check, sample, retention: issue 10)

register_quality(cli)

from .cli_catalogue import import_group  # noqa: E402
from .cli_import import import_dossiers_command  # noqa: E402  (motcua import dossiers: issue 13)

import_group.add_command(import_dossiers_command)

from .cli_reports import register as register_reports  # noqa: E402  (report ii06a: issue 9)

register_reports(cli)

from .cli_units import register as register_units  # noqa: E402  (units pending, move: issue 8, the 2025 rearrangement)

register_units(cli)
