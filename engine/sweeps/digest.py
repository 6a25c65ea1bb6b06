"""The daily digest: one in-app summary per person of what waits for them.

Counted with two grouped queries (open steps by place and claimant; unread
notices by user), never per dossier. The day's digest is recorded as an alarm
row ``(0, 0, "digest:<day>")`` in the same transaction as its notices, so a
second run that day, in this process or another, sends nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import outbox
from ..services import Services
from ..storage.accounts import User
from ..storage.alerts import SENT, DeadlineAlarm, Notification
from ..storage.models import Task, table
from ..vocabulary import Role, TaskState

STEP_ROLES = (Role.ONE_STOP, Role.SPECIALIST, Role.DIVISION_HEAD, Role.DIRECTOR, Role.CLERK)
ALARMS = table(DeadlineAlarm)


def send_digests(services: Services, now: datetime | None = None) -> int:
    """Queue today's digest for every active person with something to report; return how many."""
    now = now or services.now()
    calendar = services.calendar
    day = now.astimezone(calendar.tz).date()
    soon = calendar.add_working_seconds(now, calendar.seconds_per_day)
    with services.unit_of_work() as session:
        conn = session.connection()
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        claimed = conn.execute(
            dialect_insert(ALARMS).on_conflict_do_nothing().returning(ALARMS.c.id),
            {"dossier_id": 0, "task_id": 0, "kind": f"digest:{day.isoformat()}", "step_id": None, "state": SENT,
             "fire_at": now, "sent_at": now, "recipients": None},
        ).first()
        if claimed is None:
            return 0
        groups = conn.execute(
            select(Task.agency_id, Task.role, Task.division, Task.claimed_by, func.count(),
                   func.sum(case((Task.due_at < now, 1), else_=0)),
                   func.sum(case(((Task.due_at >= now) & (Task.due_at < soon), 1), else_=0)))
            .where(Task.state == TaskState.OPEN)
            .group_by(Task.agency_id, Task.role, Task.division, Task.claimed_by)
        ).all()
        unread = dict(conn.execute(
            select(Notification.user_id, func.count()).where(Notification.read_at.is_(None))
            .group_by(Notification.user_id)
        ).all())
        users = conn.execute(
            select(User.id, User.name, User.role, User.agency_id, User.division)
            .where(User.active.is_(True), User.role.in_(STEP_ROLES))
        ).all()
        counts = _counts(groups, users)
        notices = []
        for user in users:
            c = counts[user.id]
            c["unread"] = unread.get(user.id, 0)
            if not (c["mine"] or c["pool"] or c["unread"]):
                continue
            values: dict[str, Any] = {"day": day.strftime("%d/%m/%Y"), "name": user.name} | c
            notices.append({"kind": "digest", "users": [user.id], "dedup": f"digest:{day.isoformat()}", "values": values})
        if notices:
            outbox.enqueue(session, services, None, "notify.staff", {"notices": notices}, now)
    return len(notices)


def _counts(groups: Sequence[Any], users: Sequence[Any]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"mine": 0, "pool": 0, "overdue": 0, "near": 0})
    for agency, role, division, claimed_by, total, overdue, near in groups:
        if claimed_by:
            who = [claimed_by]
            key = "mine"
        else:
            who = [u.id for u in users if u.role == role and u.agency_id == agency
                   and (division is None or division == u.division)]
            key = "pool"
        for user_id in who:
            c = counts[user_id]
            c[key] += total
            c["overdue"] += overdue or 0
            c["near"] += near or 0
    return counts


__all__ = ["send_digests"]
