"""Pages of a list: the page asked for, clamped, and its total."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PER_PAGE = 100


@dataclass
class Page:
    items: list[dict[str, Any]]
    page: int
    per_page: int
    total: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "page": self.page, "per_page": self.per_page, "total": self.total, "pages": self.pages}


def clamp(page: int | None, per_page: int | None, default: int = 20) -> tuple[int, int]:
    page = max(1, int(page or 1))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page or default)))
    return page, per_page


def paged(session: Session, stmt: Select, page: int, per_page: int) -> tuple[list[Any], int]:
    """One page of ``stmt``'s rows and the count of all of them (two statements)."""
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), int(total)


__all__ = ["MAX_PER_PAGE", "Page", "clamp", "paged"]
