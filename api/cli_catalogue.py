"""The analyst's commands: publish, catalogue, diff, import dvcqg, listing.

Registered on the ``motcua`` group by one line at the bottom of api/cli.py.
"""

from __future__ import annotations

import getpass
import json
import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from .paths import WORKFLOWS

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _parse_date(value: str | None, name: str = "--at") -> date | None:
    if value in (None, "", "latest", "now"):
        return None
    if value == "today":
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' không phải ngày dạng YYYY-MM-DD", param_hint=name) from None


def _paths(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(path.glob("*.yaml")))
        elif path.is_file():
            out.append(path)
        else:
            raise click.BadParameter(f"không tìm thấy {path}", param_hint="DECISIONS")
    return out


@click.command("publish")
@click.argument("decisions", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ in những gì sẽ thay đổi; không ghi gì / Only print what would change.")
@click.option("--due", "due", is_flag=True, help="Chuyển hồ sơ đang giải quyết cho các quyết định chuyển thẩm quyền đã đến ngày hiệu lực "
              "/ Move dossiers in progress for transfers of competence now in effect.")
@click.option("--actor", default=None, help="Người áp dụng (mặc định: tài khoản hệ điều hành) / Who applies them (default: the OS account).")
@click.option("--verbose", "-v", is_flag=True, help="In cả cảnh báo của các định nghĩa (thông tin đang cập nhật) / Also print the definitions' warnings.")
@with_appcontext
def publish_command(decisions: tuple[Path, ...], dry_run: bool, due: bool, actor: str | None, verbose: bool) -> None:
    """Áp dụng quyết định công bố / Apply decisions.

    Mặc định: mọi tệp trong workflows/decisions/, theo thứ tự ngày. Mỗi quyết
    định được kiểm tra cùng các định nghĩa nó mang theo; rồi thủ tục được thêm,
    sửa đổi, bãi bỏ hoặc chuyển cơ quan từ ngày hiệu lực. Hồ sơ giữ phiên bản
    đã tiếp nhận.

    Default: every file in workflows/decisions/, in date order. Each decision is
    validated with the definitions it brings; then its procedures are added,
    amended, abolished or moved from its effective date. Dossiers keep the
    version they were received under.
    """
    from engine import Actor, DomainError
    from engine.decisions import apply, check_decision, replay, run_due_transfers
    from engine.storage.db import migrate

    services = current_app.extensions["motcua"]
    who = Actor(actor or f"cli:{getpass.getuser()}", "analyst")
    files = _paths(decisions) if decisions else []
    timeline = replay(WORKFLOWS, extra=files)
    chosen = {p.resolve() for p in files}
    selected = [d for d in timeline.decisions if not chosen or Path(d.file).resolve() in chosen]
    if not selected:
        raise click.ClickException("không có quyết định nào để áp dụng")
    failed = False
    for decision in selected:
        for problem in check_decision(timeline, decision):
            if problem.severity == "error" or problem.file == decision.file or verbose:
                click.echo(str(problem), err=True)
            failed = failed or problem.severity == "error"
    if failed:
        raise SystemExit("motcua publish: quyết định có lỗi; chưa áp dụng gì.")
    migrate(services.sessions.kw["bind"])  # the schema only; a dry run writes no data
    for decision in selected:
        try:
            report = apply(services, timeline, decision, who, dry_run=dry_run)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        click.echo("\n".join(report.lines()))
    if due and not dry_run:
        for key, moved in run_due_transfers(services, timeline, who).items():
            click.echo(f"{key}: đã chuyển {len(moved)} hồ sơ")


def _db_catalogue(on: date) -> list[dict]:
    from engine.decisions import catalogue_in_db

    services = current_app.extensions["motcua"]
    with services.sessions() as session:
        return catalogue_in_db(session, on)


@click.command("catalogue")
@click.option("--at", "at", default=None, help="Ngày (YYYY-MM-DD); mặc định: hôm nay / Date; default: today.")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON (dữ liệu niêm yết) / Print JSON (the listing data).")
@click.option("--markdown", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Ghi bảng tổng hợp Markdown (workflows/CATALOGUE.md) thay vì in / Write the Markdown index instead.")
@click.option("--db", "from_db", is_flag=True, help="Đọc từ cơ sở dữ liệu (các quyết định đã áp dụng) thay vì từ tệp / Read the database, not the files.")
@with_appcontext
def catalogue_command(at: str | None, as_json: bool, markdown: Path | None, from_db: bool) -> None:
    """Danh mục theo ngày / The catalogue on a date.

    Danh mục thủ tục có hiệu lực vào một ngày, phát lại workflows/decisions/ theo thứ tự.

    The catalogue in force on a date, replaying workflows/decisions/ in order.
    """
    from engine.decisions import catalogue_index, replay
    from engine.listing import field_name, listing

    timeline = replay(WORKFLOWS)
    for problem in timeline.errors:
        click.echo(str(problem), err=True)
    agencies = timeline.catalog.agencies
    if markdown is not None:
        markdown.write_text(catalogue_index(timeline, _parse_date(at)), encoding="utf-8")
        click.echo(f"đã ghi {markdown}")
        return
    on = _parse_date(at) or date.today()
    if from_db:
        rows = _db_catalogue(on)
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
            return
        click.echo(f"Danh mục trong cơ sở dữ liệu, hiệu lực ngày {on:%d/%m/%Y}: {len(rows)} thủ tục")
        for row in rows:
            click.echo(f"{row['code']:<9} v{row['version']:<3} {row['agency']:<22} {row['decision'] or '—':<30} {row['name'][:80]}")
        return
    entries = timeline.at(on)
    items = listing(entries, agencies)
    if as_json:
        click.echo(json.dumps([i.as_dict() for i in items], ensure_ascii=False, indent=1))
        return
    confirmed = sum(1 for e in entries if e.confirmed)
    click.echo(f"Danh mục có hiệu lực ngày {on:%d/%m/%Y}: {len(entries)} thủ tục ({confirmed} đã xác nhận, {len(entries) - confirmed} đang cập nhật)")
    current = None
    for entry in entries:
        if entry.field != current:
            current = entry.field
            click.echo(f"\n{field_name(current)}")
        mark = " " if entry.confirmed else "*"
        click.echo(f" {mark}{entry.code:<9} {entry.level:<9} {entry.agency:<24} {(entry.decision.number or entry.decision.id)[:40]:<40} {entry.name[:90]}")
    by_agency: dict[str, int] = {}
    for entry in entries:
        by_agency[entry.agency] = by_agency.get(entry.agency, 0) + 1
    click.echo("\nTheo cơ quan: " + "; ".join(f"{agencies[a].name if a in agencies else a}: {n}" for a, n in sorted(by_agency.items())))
    abolished = timeline.abolished_at(on)
    if abolished:
        click.echo(f"Đã bãi bỏ: {', '.join(e.code + ' (' + e.decision.label + ')' for e in abolished)}")
    click.echo("(* đang cập nhật: thời hạn/quy trình chưa xác nhận từ nguồn)")


def _resolve(spec: str, timeline_cache: list[Any]) -> tuple[str, dict[str, Any]]:
    """A side of ``motcua diff``: a file, CODE@DATE, CODE@vN, or CODE (latest)."""
    from engine.decisions import replay
    from engine.definitions.source import SourceError, read_located

    path = Path(spec)
    if path.is_file():
        try:
            return str(path), read_located(path).data
        except SourceError as exc:
            raise click.ClickException(str(exc.problem)) from None
    if not timeline_cache:
        timeline_cache.append(replay(WORKFLOWS))
    timeline = timeline_cache[0]
    code, _, where = spec.partition("@")
    entries = timeline.entries.get(code)
    if not entries:
        procedure = timeline.catalog.procedures.get(code)
        if procedure is not None and not where:
            return f"{code} ({procedure.source_file})", procedure.raw
        raise click.ClickException(f"'{spec}' không phải tệp, cũng không phải mã thủ tục có trong các quyết định")
    if where.startswith("v") and where[1:].isdigit():
        n = int(where[1:])
        if not 1 <= n <= len(entries):
            raise click.ClickException(f"{code} có {len(entries)} phiên bản (v1…v{len(entries)})")
        entry = entries[n - 1]
    else:
        entry = timeline.entry_at(code, _parse_date(where, "A/B") if where else None)
        if entry is None:
            raise click.ClickException(f"{code} chưa có hiệu lực vào {where}")
    n = entries.index(entry) + 1
    return f"{code} v{n} ({entry.decision.label}, hiệu lực {entry.decision.effective_label()})", entry.definition


@click.command("diff")
@click.argument("a")
@click.argument("b")
def diff_command(a: str, b: str) -> None:
    """So sánh A với B / Show what changed from A to B.

    A và B là hai tệp định nghĩa, hai phiên bản của một mã (1.001806@v1,
    1.001806@2025-11-27) hoặc hai ngày (cả danh mục: 2024-06-30 2026-01-01).

    A and B are two definition files, two versions of a code (1.001806@v1,
    1.001806@2025-11-27) or two dates (the whole catalogue: 2024-06-30 2026-01-01).
    """
    from engine.decisions import replay
    from engine.definitions.diff import diff_catalogues, diff_definitions

    if _DATE.match(a) and _DATE.match(b) and not Path(a).exists():
        timeline = replay(WORKFLOWS)
        da, db = date.fromisoformat(a), date.fromisoformat(b)
        left = {e.code: e.definition for e in timeline.at(da)}
        right = {e.code: e.definition for e in timeline.at(db)}
        result = diff_catalogues(left, right)
        names = {code: d["name"][:90] for code, d in (left | right).items()}
        click.echo(f"Danh mục {da:%d/%m/%Y} ({len(left)} thủ tục) → {db:%d/%m/%Y} ({len(right)} thủ tục): "
                   f"{len(result.added)} thêm, {len(result.removed)} bỏ, {len(result.changed)} thay đổi")
        for line in result.lines(names):
            click.echo(line)
        return
    cache: list = []
    label_a, left_data = _resolve(a, cache)
    label_b, right_data = _resolve(b, cache)
    lines = diff_definitions(left_data, right_data)
    click.echo(f"--- {label_a}\n+++ {label_b}")
    for line in lines or ["(không có thay đổi)"]:
        click.echo(f"  {line}")


@click.group("import")
def import_group() -> None:
    """Nhập dữ liệu từ hệ thống khác / Import data from other systems.

    Thủ tục (dvcqg) thành định nghĩa; hồ sơ (dossiers) vào cơ sở dữ liệu.

    Procedures (dvcqg) into definitions; dossiers (dossiers) into the database.
    """


@import_group.command("dvcqg")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Thư mục ghi định nghĩa (mặc định: chỉ kiểm tra, không ghi) / Output directory (default: check only).")
@click.option("--province-agency", default="cb-ubnd-tinh", show_default=True, help="Cơ quan cho thủ tục cấp tỉnh / Agency of provincial procedures.")
@click.option("--commune-agency", default="cb-ubnd-xa", show_default=True, help="Cơ quan cho thủ tục cấp xã / Agency of commune procedures.")
@click.option("--central-agency", default="tw-bo-nganh", show_default=True, help="Cơ quan cho thủ tục cấp trung ương / Agency of central procedures.")
@click.option("--quiet", "-q", is_flag=True, help="Không in các mục không chuyển được / Do not list what was not mapped.")
def import_dvcqg_command(source: Path, out: Path | None, province_agency: str, commune_agency: str, central_agency: str, quiet: bool) -> None:
    """Chuyển bản ghi Cổng DVCQG / Convert national-portal records.

    SOURCE là một tệp hoặc thư mục *.json. Mọi định nghĩa tạo ra đều được kiểm
    tra; những gì không chuyển được được liệt kê theo từng tệp (và ghi ở đầu
    mỗi tệp YAML).

    SOURCE is a file or a directory of *.json. Every produced definition is
    validated; what could not be mapped is listed per file (and written at the
    top of each YAML file).
    """
    from engine.definitions import load_catalog
    from engine.definitions.importers.dvcqg import import_path

    started = time.perf_counter()
    catalog = load_catalog(WORKFLOWS)
    agencies = {"province": province_agency, "commune": commune_agency, "central": central_agency}
    unknown = sorted(a for a in agencies.values() if a not in catalog.agencies)
    if unknown:
        raise click.ClickException(f"cơ quan không xác định: {', '.join(unknown)} (khai báo trong workflows/agencies.yaml)")
    results = import_path(source, agencies, catalog.context(), out)
    failed = 0
    for result in results:
        status = "lỗi" if result.errors else "ok"
        failed += bool(result.errors)
        if result.errors or not quiet:
            click.echo(f"{result.source}: {status} → {result.target or result.code}")
        for problem in result.errors:
            click.echo(f"  lỗi: {problem}")
        if not quiet:
            for item in result.unmapped:
                click.echo(f"  chưa chuyển được: {item}")
    click.echo(f"{len(results)} bản ghi, {len(results) - failed} định nghĩa hợp lệ, {failed} lỗi "
               f"({time.perf_counter() - started:.2f} s)", err=True)
    sys.exit(1 if failed else 0)


@click.command("listing")
@click.argument("query", required=False, default="")
@click.option("--at", "at", default=None, help="Ngày (YYYY-MM-DD); mặc định: hôm nay / Date; default: today.")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON / Print JSON.")
def listing_command(query: str, at: str | None, as_json: bool) -> None:
    """Danh sách công khai, tìm kiếm / Public listing, search.

    Thủ tục đang có hiệu lực; QUERY tìm theo mã và tên, không phân biệt dấu, hoa thường.

    Procedures in force; QUERY searches code and name, ignoring diacritics and case.
    """
    from engine.decisions import replay
    from engine.listing import listing, search

    on = _parse_date(at) or date.today()
    timeline = replay(WORKFLOWS)
    items = search(listing(timeline.at(on), timeline.catalog.agencies), query)
    if as_json:
        click.echo(json.dumps([i.as_dict() for i in items], ensure_ascii=False, indent=1))
        return
    for item in items:
        fees = item.fees if isinstance(item.fees, str) else "; ".join(item.fees)
        click.echo(f"{item.code}  {item.name}\n    {item.field_name} · {item.level} · {item.agency_name}\n"
                   f"    Thời hạn: {item.deadline} · Phí, lệ phí: {fees} · Quyết định: {item.published_by}")
    click.echo(f"{len(items)} thủ tục", err=True)


def register(cli: click.Group) -> None:
    """Add the catalogue commands to the ``motcua`` group."""
    for command in (publish_command, catalogue_command, diff_command, import_group, listing_command):
        cli.add_command(command)
