"""Notifications as outbox handlers.

* ``notify.staff`` (inline: it only writes here) stores an in-app notification
  for each user of each notice of the payload (the bell in the staff pages; a sweep
  queues one message per batch of warnings); the unique key ``(user, dedup)`` keeps
  a notice written twice to one row.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine import HandlerContext, Notification, OutboxMessage, handler

from .notices import render

NOTIFICATIONS: Table = Notification.__table__  # type: ignore[assignment]


@handler("notify.staff", inline=True)
def notify_staff(ctx: HandlerContext, message: OutboxMessage) -> None:
    """Payload: one notice (``kind``, ``users``, ``dedup``, ``values``...) or ``notices``, a list of them."""
    rows = []
    for p in message.payload.get("notices") or [message.payload]:
        title, body = render(ctx.services, p["kind"], p.get("values", {}))
        rows += [{"user_id": user, "kind": p["kind"], "dossier_id": p.get("dossier_id"), "dossier_code": p.get("code"),
                  "title": title, "body": body, "dedup": p["dedup"], "created_at": ctx.now, "read_at": None}
                 for user in p["users"]]
    if rows:
        conn = ctx.session.connection()
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(dialect_insert(NOTIFICATIONS).on_conflict_do_nothing(), rows)
