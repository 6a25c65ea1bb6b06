"""Notifications as outbox handlers.

* ``notify.staff`` (inline: it only writes here) stores an in-app notification
  for each user of each notice of the payload (the bell in the staff pages; a sweep
  queues one message per batch of warnings); the unique key ``(user, dedup)`` keeps
  a notice written twice to one row.
* A deadline warning or escalation (``step.*``, ``dossier.*``) to a user who gave an
  e-mail address (the admin console, or their own account page) also queues one
  ``notify.email`` message (worker-only: delivery records, retries) when the mail
  server is configured. Only notices written now are mailed: a message run twice
  (an inline failure retried by the worker) mails nothing twice.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine import HandlerContext, Notification, OutboxMessage, User, handler

from .channels import configured
from .notices import render

NOTIFICATIONS: Table = Notification.__table__  # type: ignore[assignment]
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
USERS: Table = User.__table__  # type: ignore[assignment]
MAILED_KINDS = ("step.", "dossier.")  # deadline warnings and escalations (engine/sweeps/timing.py); not the digest


@handler("notify.staff", inline=True)
def notify_staff(ctx: HandlerContext, message: OutboxMessage) -> None:
    """Payload: one notice (``kind``, ``users``, ``dedup``, ``values``...) or ``notices``, a list of them."""
    rows = []
    for p in message.payload.get("notices") or [message.payload]:
        title, body = render(ctx.services, p["kind"], p.get("values", {}))
        rows += [{"user_id": user, "kind": p["kind"], "dossier_id": p.get("dossier_id"), "dossier_code": p.get("code"),
                  "title": title, "body": body, "dedup": p["dedup"], "created_at": ctx.now, "read_at": None}
                 for user in p["users"]]
    if not rows:
        return
    conn = ctx.session.connection()
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(NOTIFICATIONS).on_conflict_do_nothing()
    mail = "email" in configured() and any(r["kind"].startswith(MAILED_KINDS) for r in rows)
    if not mail:
        conn.execute(stmt, rows)
        return
    c = NOTIFICATIONS.c
    written = conn.execute(stmt.returning(c.user_id, c.kind, c.dossier_id, c.dossier_code, c.title, c.body), rows).all()
    _queue_mail(ctx, [w for w in written if w.kind.startswith(MAILED_KINDS)])


def _queue_mail(ctx: HandlerContext, written: list[Any]) -> None:
    """One ``notify.email`` per warning written now, to each recipient with an address."""
    if not written:
        return
    conn = ctx.session.connection()
    u = USERS.c
    addresses = dict(conn.execute(select(u.id, u.email).where(
        u.id.in_(sorted({w.user_id for w in written})), u.active.is_(True), u.email.is_not(None))).all())
    staff_url = (os.environ.get("MOTCUA_STAFF_URL") or "").rstrip("/")
    out = []
    for w in written:
        to = (addresses.get(w.user_id) or "").strip()
        if not to:
            continue
        link = f"\n\nXem hồ sơ: {staff_url}/dossiers/{w.dossier_code}" if staff_url and w.dossier_code else ""
        out.append({"handler": "notify.email", "dossier_id": w.dossier_id or None, "created_at": ctx.now,
                    "available_at": ctx.now, "attempts": 0, "state": "pending",
                    "payload": {"to": to, "subject": w.title, "body": w.body + link, "notice": w.kind,
                                "code": w.dossier_code, "user": w.user_id}})
    if out:
        conn.execute(insert(OUTBOX), out)
