"""``motcua units``: dossiers of administrative units abolished by the 2025 rearrangement (engine/decisions/successions.py)."""

from __future__ import annotations

import getpass

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("units")
def units_group() -> None:
    """Đơn vị hành chính (xã, huyện) / Administrative units."""


@units_group.command("pending")
@click.option("--move-single", "basis", default=None, metavar="CĂN_CỨ",
              help="Chuyển ngay hồ sơ có đúng một đơn vị kế thừa, với căn cứ này / Move those with one successor, "
                   "on this legal basis (e.g. after an upgrade, for a decision whose transfers ran before).")
@with_appcontext
def pending_command(basis: str | None) -> None:
    """Hồ sơ còn ở đơn vị đã chấm dứt / Open dossiers of abolished units.

    Hồ sơ đang giải quyết của xã cũ, huyện đã chấm dứt hoạt động mà bảng chuyển đổi không chỉ ra
    đúng một đơn vị kế thừa (xã bị chia, huyện): cần người chọn (motcua units move).

    Open dossiers of old communes or districts for which the conversion table names no single
    successor (a split commune, a district): a person chooses (motcua units move).
    """
    from engine import Actor
    from engine.decisions.successions import move_to_successor, pending

    services = current_app.extensions["motcua"]
    waiting = pending(services)
    if basis:
        who = Actor(f"cli:{getpass.getuser()}", "analyst")
        for w in [w for w in waiting if len(w.candidates) == 1]:
            move_to_successor(services, who, w.code, w.candidates[0], f"{basis}; đơn vị kế thừa theo "
                              "bảng chuyển đổi đơn vị hành chính của Cục Thống kê (workflows/units.yaml)")
            click.echo(f"đã chuyển hồ sơ {w.code} sang {w.candidates[0]}")
        waiting = pending(services)
    for w in waiting:
        click.echo(f"{w.code}\t{w.agency}\tđơn vị kế thừa: {', '.join(w.candidates) or '(bảng chuyển đổi không nêu)'}")
    click.echo(f"{len(waiting)} hồ sơ chờ chọn đơn vị kế thừa")


@units_group.command("move")
@click.argument("code")
@click.argument("to_agency")
@click.option("--basis", required=True, help="Căn cứ giao hồ sơ (văn bản) / The document that assigns the dossier.")
@click.option("--actor", default=None, help="Người thực hiện (mặc định cli:<tên>) / Who does it (default cli:<user>).")
@with_appcontext
def move_command(code: str, to_agency: str, basis: str, actor: str | None) -> None:
    """Chuyển hồ sơ sang đơn vị kế thừa / Move a dossier to a successor unit.

    Giữ nguyên thời điểm tiếp nhận và hạn trả; ghi nhật ký kiểm toán.

    Receipt and due times are kept; the move is audited.
    """
    from engine import Actor, DomainError
    from engine.decisions.successions import move_to_successor

    who = Actor(actor or f"cli:{getpass.getuser()}", "analyst")
    try:
        dossier = move_to_successor(current_app.extensions["motcua"], who, code, to_agency, basis)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"đã chuyển hồ sơ {dossier.code} sang {dossier.agency_id}")


def register(cli: click.Group) -> None:
    cli.add_command(units_group)
