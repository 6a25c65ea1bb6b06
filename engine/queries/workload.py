"""The people a division head can give a step to, with their open workload (phân công)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..storage.accounts import User
from ..storage.models import Task
from ..vocabulary import TaskState


def workload(session: Session, agency: str, role: str, division: str | None) -> list[dict[str, Any]]:
    """Active people of ``role`` at ``agency`` (of ``division`` when given), least loaded first:
    ``{id, name, open}`` where ``open`` counts the steps they hold open."""
    held = and_(Task.claimed_by == User.id, Task.state == TaskState.OPEN)
    stmt = (
        select(User.id, User.name, func.count(Task.id).label("open"))
        .outerjoin(Task, held)
        .where(User.active.is_(True), User.agency_id == agency, User.role == role)
        .group_by(User.id, User.name)
        .order_by(func.count(Task.id), User.name)
    )
    if division:
        stmt = stmt.where(User.division == division)
    return [{"id": r.id, "name": r.name, "open": int(r.open)} for r in session.execute(stmt)]


__all__ = ["workload"]
