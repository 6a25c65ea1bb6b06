"""Pages of a list: the page asked for, clamped, and its total.

Two ways to page. By number (``page``): an OFFSET, fine for the short lists (the
catalogue, a dossier's events, the inbox). By key (keyset, :class:`Keyset`): the
dossier lists, which grow with every dossier ever received, go from a cursor
(``after`` / ``before``, the sort key of the last / first row shown) so any page
costs what the first does; their total is counted only up to :data:`TOTAL_CAP`
and marked inexact beyond (``total_exact``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..errors import InvalidCommand

MAX_PER_PAGE = 100
TOTAL_CAP = 1000  # a list's total is counted up to this; beyond, "more than"
# A search's total is counted up to this: finding a common name's 1,001st visible match reads tens of
# thousands of rows at a million dossiers, and beyond a hundred matches the answer is "narrow it down".
SEARCH_TOTAL_CAP = 100


@dataclass
class Page:
    items: list[dict[str, Any]]
    page: int
    per_page: int
    total: int
    extra: dict[str, Any] = field(default_factory=dict)
    total_exact: bool = True  # False: there are more than ``total`` (the count stopped at TOTAL_CAP)
    keyset: bool = False  # paged by cursor: ``next`` / ``prev`` lead to the neighbouring pages
    next: str | None = None
    prev: str | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"items": self.items, "page": self.page, "per_page": self.per_page, "total": self.total,
                               "pages": self.pages, "total_exact": self.total_exact}
        if self.keyset:
            out["next"], out["prev"] = self.next, self.prev
        return out


def clamp(page: int | None, per_page: int | None, default: int = 20) -> tuple[int, int]:
    page = max(1, int(page or 1))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page or default)))
    return page, per_page


def paged(session: Session, stmt: Select, page: int, per_page: int) -> tuple[list[Any], int]:
    """One page of ``stmt``'s rows and the count of all of them (two statements)."""
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), int(total)


# ---------------------------------------------------------------------- keyset

@dataclass(frozen=True)
class Cursor:
    """A position in a list sorted newest first: the (moment, id) of a row."""

    at: datetime
    id: int

    def encode(self) -> str:
        return f"{int(self.at.timestamp() * 1_000_000)}.{self.id}"

    @classmethod
    def decode(cls, text: str, name: str) -> Cursor:
        try:
            micros, ident = text.split(".")
            return cls(datetime.fromtimestamp(int(micros) / 1_000_000, UTC), int(ident))
        except (ValueError, OverflowError, OSError):
            raise InvalidCommand(f"Con trỏ trang '{name}' không hợp lệ: '{text[:40]}' (hãy dùng giá trị 'next'/'prev' của trang trước).",
                                 field=name) from None


@dataclass(frozen=True)
class Keyset:
    """Where a keyset page starts: after a cursor (older rows), before one (newer rows), or at an offset."""

    after: Cursor | None = None
    before: Cursor | None = None
    offset: int = 0

    @classmethod
    def of(cls, page: int, per_page: int, after: str | None, before: str | None) -> Keyset:
        if after and before:
            raise InvalidCommand("Chỉ dùng một trong 'after' và 'before'.")
        if after:
            return cls(after=Cursor.decode(after, "after"))
        if before:
            return cls(before=Cursor.decode(before, "before"))
        offset = (page - 1) * per_page
        if offset >= TOTAL_CAP:
            raise InvalidCommand(
                f"Trang {page} quá xa để mở theo số trang (tối đa {TOTAL_CAP // per_page}); "
                "hãy đi tiếp bằng con trỏ 'after' (giá trị 'next' của trang trước).", page=page)
        return cls(offset=offset)


__all__ = ["MAX_PER_PAGE", "SEARCH_TOTAL_CAP", "TOTAL_CAP", "Cursor", "Keyset", "Page", "clamp", "paged"]
