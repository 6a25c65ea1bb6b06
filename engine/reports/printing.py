"""Bulk printing of slips from staff search: which dossiers (only those the actor may see) and which slips.

The slips are the forms already issued (``issued_forms``: receipt Mẫu 01, supplement requests, notices, the
control slip filed at closing…); a control slip not filed yet is drawn at print time by the caller (the
form's content comes from ``handlers.forms``, which the engine does not import).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from .. import policy
from ..errors import InvalidCommand, NotFound
from ..policy import Actor
from ..storage.models import Dossier, IssuedForm, table

MAX_DOSSIERS = 500  # one print job at most ("print every result": the 500 newest, as the Excel export): the printable page
# One PDF at most: WeasyPrint lays out ~0.15 s a page on the project machine and a receipt is two pages,
# so 50 dossiers are already ~15 s of a request; more go to the printable page (the browser prints it).
MAX_PDF = 50
# What may be printed: (the choice, its label).
CHOICES: dict[str, str] = {
    "receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (bản mới nhất)",
    "control_slip": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "all": "Mọi phiếu đã ban hành của hồ sơ",
}


@dataclass
class Batch:
    """One dossier of the print job and the issued forms to print for it (oldest first)."""

    dossier_id: int
    code: str
    forms: list[Any] = field(default_factory=list)


def dossiers(conn: Connection, actor: Actor, codes: Sequence[str]) -> list[Batch]:
    """The dossiers of ``codes`` in that order (repeats dropped), refusing the job if one is unknown or not the actor's to see."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if not wanted:
        raise InvalidCommand("Chưa chọn hồ sơ nào để in: đánh dấu các hồ sơ trong kết quả tra cứu, hoặc chọn in tất cả.")
    if len(wanted) > MAX_DOSSIERS:
        raise InvalidCommand(f"Chọn {len(wanted)} hồ sơ: mỗi lần in tối đa {MAX_DOSSIERS} hồ sơ; hãy thu hẹp điều kiện tra cứu.")
    d = table(Dossier).c
    found = {r.code: r for r in conn.execute(
        select(d.id, d.code, policy.visible_dossiers(actor).label("visible")).where(d.code.in_(wanted)))}
    # Another agency's dossier answers as one that does not exist (issue 12: messages to someone without rights
    # name nothing, not even whether the code exists).
    missing = [c for c in wanted if c not in found or not found[c].visible]
    if missing:
        raise NotFound(f"Không có hồ sơ {', '.join(m[:60] for m in missing[:5])}{' …' if len(missing) > 5 else ''}.")
    return [Batch(found[c].id, c) for c in wanted]


def attach_forms(conn: Connection, batches: list[Batch], choice: str) -> None:
    """Put on each batch the issued forms ``choice`` asks for: the latest receipt, the filed control slip, or all."""
    if choice not in CHOICES:
        raise InvalidCommand(f"Loại phiếu '{choice[:30]}' không có: chọn {', '.join(CHOICES)}.")
    f = table(IssuedForm).c
    query = select(table(IssuedForm)).where(f.dossier_id.in_([b.dossier_id for b in batches]))
    if choice != "all":
        query = query.where(f.form == choice)
    by_dossier: dict[int, list[Any]] = {}
    for row in conn.execute(query.order_by(f.dossier_id, f.issued_at, f.id)):
        by_dossier.setdefault(row.dossier_id, []).append(row)
    for batch in batches:
        forms = by_dossier.get(batch.dossier_id, [])
        batch.forms = forms[-1:] if choice != "all" else forms


def check_pdf_size(count: int) -> None:
    if count > MAX_PDF:
        raise InvalidCommand(f"{count} hồ sơ: tệp PDF in tối đa {MAX_PDF} hồ sơ một lần (mỗi trang mất thời gian dàn trang); "
                             f"chọn dạng 'Trang in (HTML)' để in đến {MAX_DOSSIERS} hồ sơ, hoặc chọn ít hồ sơ hơn.")


__all__ = ["CHOICES", "MAX_DOSSIERS", "MAX_PDF", "Batch", "attach_forms", "check_pdf_size", "dossiers"]
