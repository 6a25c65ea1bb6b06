"""The outbox: side effects recorded in the command's transaction, run after its commit.

A worker claims a message with a conditional UPDATE (``processed_at IS NULL``),
runs its handler in the same transaction and commits both together. If the
process dies before that commit, nothing of the handler's work is kept and the
message is still pending, so it runs again: each message takes effect exactly
once. Handlers that reach outside the database get the message id as an
idempotency key.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from .storage.models import OutboxMessage

if TYPE_CHECKING:
    from .services import Services

log = logging.getLogger(__name__)


@dataclass
class HandlerContext:
    session: Session
    services: Services
    now: datetime


Handler = Callable[[HandlerContext, OutboxMessage], None]
HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register a side-effect handler under ``name`` (the outbox row's ``handler``)."""

    def register(func: Handler) -> Handler:
        HANDLERS[name] = func
        return func

    return register


def enqueue(session: Session, services: Services, dossier_id: int | None, handler: str, payload: dict[str, Any], now: datetime) -> None:
    """Record a side effect in the command's unit of work; it runs after the commit.

    The row is inserted by ``Services.unit_of_work`` with the command's other rows.
    When ``settings.dispatch_outbox`` is on, the command's messages are run right
    after its commit (once per unit of work).
    """
    session.info["outbox_rows"].append({
        "handler": handler, "dossier_id": dossier_id, "payload": payload,
        "created_at": now, "available_at": now, "attempts": 0,
    })
    if services.settings.dispatch_outbox and not session.info.get("dispatch_queued"):
        session.info["dispatch_queued"] = True
        session.info["after_commit"].append(lambda: run_messages(services, session.info.get("outbox_ids", [])))


def dispatch_pending(services: Services, limit: int = 500) -> int:
    """Run pending messages that are due; return how many were handled (or failed)."""
    done = 0
    batch = 50
    while done < limit:
        now = services.now()
        with services.sessions() as session:
            ids = list(session.execute(_PENDING, {"now": now, "batch": min(batch, limit - done)}).scalars())
        for message_id in ids:
            _run_one(services, message_id, now)
        done += len(ids)
        if len(ids) < batch:
            break
    return done


def run_messages(services: Services, message_ids: list[int]) -> None:
    """Run these messages now (a command's own side effects, right after its commit)."""
    now = services.now()
    for message_id in message_ids:
        _run_one(services, message_id, now)


_PENDING = (
    select(OutboxMessage.id)
    .where(OutboxMessage.processed_at.is_(None), OutboxMessage.available_at <= bindparam("now"))
    .order_by(OutboxMessage.id)
    .limit(bindparam("batch"))
)
_OUTBOX = OutboxMessage.__table__.c
_CLAIM = (
    update(OutboxMessage.__table__)
    .where(_OUTBOX.id == bindparam("message_id"), _OUTBOX.processed_at.is_(None))
    .values(processed_at=bindparam("now"))
    .returning(_OUTBOX.handler, _OUTBOX.payload, _OUTBOX.dossier_id)
)


def _run_one(services: Services, message_id: int, now: datetime) -> None:
    session = services.sessions()
    try:
        claimed = session.connection().execute(_CLAIM, {"message_id": message_id, "now": now}).first()
        if claimed is None:  # another worker has it
            session.rollback()
            return
        func = HANDLERS.get(claimed.handler)
        if func is None:
            raise LookupError(f"no handler registered for '{claimed.handler}'")
        message = OutboxMessage(id=message_id, handler=claimed.handler, payload=claimed.payload, dossier_id=claimed.dossier_id)
        func(HandlerContext(session, services, now), message)
        session.commit()
    except Exception as exc:  # noqa: BLE001 - a failing handler must not stop the others
        session.rollback()
        _record_failure(services, message_id, now, exc)
    finally:
        session.close()


def _record_failure(services: Services, message_id: int, now: datetime, exc: Exception) -> None:
    log.warning("outbox message %s failed: %s", message_id, exc)
    with services.sessions() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.processed_at is not None:
            return
        message.attempts += 1
        message.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
        message.available_at = now + timedelta(seconds=min(3600, 5 * 2 ** min(message.attempts, 10)))
        session.commit()
