"""``motcua audit ...``: verify the audit record, publish a signed tree head, give proofs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext

if TYPE_CHECKING:
    from engine.quality.heads import TreeHead


@click.group("audit")
def audit_group() -> None:
    """Nhật ký kiểm toán (chuỗi băm, cây Merkle) / The audit log (hash chains, Merkle tree)."""


def _folder() -> Path:
    from .quality import audit_folder

    return audit_folder(current_app)


def _head(path: Path | None) -> TreeHead:
    from engine.quality import heads

    try:
        head = heads.read(path or _folder() / heads.HEAD_FILE)
    except heads.HeadError as exc:
        raise click.ClickException(str(exc)) from None
    if head is None:
        raise click.ClickException(f"chưa có đầu cây nào được công bố ({path or _folder() / heads.HEAD_FILE}): chạy `motcua audit publish`")
    return head


@audit_group.command("verify")
@click.option("--head", "head_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Đầu cây đã công bố để đối chiếu (mặc định: head.json của hệ thống) / The published head to check against.")
@with_appcontext
def verify_command(head_path: Path | None) -> None:
    """Kiểm tra nhật ký kiểm toán / Verify the audit log.

    Chuỗi băm của từng hồ sơ, mỗi hồ sơ so với các sự kiện của nó, cây Merkle so với đầu cây đã
    công bố (chỉ ra chỗ khác đầu tiên). Mã thoát 1 nếu có sai lệch.

    Hash chains, each dossier against its events, the Merkle tree against the published head
    (naming the first divergence). Exit 1 on any.
    """
    from engine.quality import anchor, integrity

    services = current_app.extensions["motcua"]
    folder = _folder()
    broken = 0
    with services.sessions() as session:
        problems = list(integrity.verify(session, None if head_path else folder))
        if head_path:
            problems += [integrity.Problem("tree", str(f), f.broken, f.event_id)
                         for f in anchor.check(session, folder, _head(head_path))]
    for problem in problems:
        broken += problem.broken
        prefix = "LỖI" if problem.broken else "lưu ý"
        click.echo(f"{prefix} [{integrity.CHECKS[problem.check]}] {problem}")
    if broken:
        click.echo(f"Nhật ký kiểm toán KHÔNG toàn vẹn: {broken} sai lệch.")
        sys.exit(1)
    click.echo("Nhật ký kiểm toán toàn vẹn.")


@audit_group.command("publish")
@with_appcontext
def publish_command() -> None:
    """Công bố đầu cây có chữ ký / Publish a signed tree head.

    Thêm các sự kiện mới vào cây Merkle, ký đầu cây bằng khóa của hệ thống, ghi head.json (trang
    công khai hiển thị nó). Chạy định kỳ (cron). / Append new events to the tree, sign and write the head.
    """
    from engine.quality import anchor, heads

    services = current_app.extensions["motcua"]
    try:
        with services.sessions() as session:
            published = anchor.publish(session, _folder(), services.now())
    except heads.HeadError as exc:
        raise click.ClickException(str(exc)) from None
    head = published.head
    click.echo(f"Đã công bố đầu cây: {head.tree_size} sự kiện (+{published.added}), gốc {head.root_hash}, "
               f"lúc {head.timestamp}, khóa {head.key_id} → {published.path}")


@audit_group.command("prove")
@click.argument("event_id", type=int)
@click.option("--head", "head_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Đầu cây (mặc định: head.json của hệ thống) / The head (default: the instance's).")
@with_appcontext
def prove_command(event_id: int, head_path: Path | None) -> None:
    """Bằng chứng một sự kiện nằm trong cây / Inclusion proof of one event (JSON)."""
    from engine.quality import anchor

    services = current_app.extensions["motcua"]
    head = _head(head_path)
    with services.sessions() as session:
        try:
            proof = anchor.inclusion(session, event_id, head)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(proof, indent=2, ensure_ascii=False))


@audit_group.command("consistency")
@click.argument("old_size", type=int)
@click.argument("new_size", type=int, required=False)
@with_appcontext
def consistency_command(old_size: int, new_size: int | None) -> None:
    """Bằng chứng cây mới mở rộng cây cũ / Consistency proof between two published heads (JSON)."""
    from engine.quality import anchor

    services = current_app.extensions["motcua"]
    published = {h.tree_size: h for h in anchor.published_heads(_folder())}
    new_size = new_size if new_size is not None else max(published, default=0)
    missing = [size for size in (old_size, new_size) if size not in published]
    if missing:
        raise click.ClickException(f"không có đầu cây đã công bố với kích thước {missing[0]} (có: {sorted(published)})")
    with services.sessions() as session:
        try:
            proof = anchor.consistency(session, published[old_size], published[new_size])
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(proof, indent=2, ensure_ascii=False))


def register(cli: click.Group) -> None:
    cli.add_command(audit_group)
