"""A staff member's in-app notifications (the bell): how many unread, the list, marking them read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..storage.alerts import Notification
from .paging import Page

KIND_LABELS = {
    "step.near_due": "Sắp đến hạn (bước)",
    "step.overdue": "Quá hạn (bước)",
    "step.escalated": "Báo cáo lãnh đạo",
    "dossier.near_due": "Hồ sơ sắp đến hạn",
    "dossier.due_soon": "Hồ sơ đến hạn trong 1 ngày làm việc",
    "dossier.overdue": "Hồ sơ quá hạn",
    "digest": "Tổng hợp hằng ngày",
}


def unread_count(session: Session, user_id: str) -> int:
    return int(session.execute(
        select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one())


def notifications(session: Session, user_id: str, *, unread_only: bool = False, page: int = 1,
                  per_page: int = 25) -> Page:
    """Newest first."""
    where = [Notification.user_id == user_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    total = int(session.execute(select(func.count()).where(*where)).scalar_one())
    rows = session.execute(
        select(Notification).where(*where).order_by(Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).scalars()
    items: list[dict[str, Any]] = [
        {"id": n.id, "kind": n.kind, "kind_label": KIND_LABELS.get(n.kind, n.kind), "code": n.dossier_code,
         "title": n.title, "body": n.body, "created_at": n.created_at, "read_at": n.read_at}
        for n in rows
    ]
    return Page(items, page, per_page, total)


def mark_read(session: Session, user_id: str, now: datetime, ids: list[int] | None = None) -> int:
    """Mark the user's notifications ``ids`` (all unread ones when None) read; how many changed."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    return int(session.execute(stmt.values(read_at=now)).rowcount)  # type: ignore[attr-defined]


__all__ = ["KIND_LABELS", "mark_read", "notifications", "unread_count"]
