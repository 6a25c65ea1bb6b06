"""The outbox: side effects recorded in the command's transaction, run after its commit.

A command calls ``enqueue``; the row is inserted with the command's other rows
and commits with them. Each handler declares how it runs:

* **inline** (``@handler("receipt", inline=True)``): it only writes to this
  database (the statutory forms). Right after the command's commit it runs in a
  transaction of its own; the claim (a conditional UPDATE to ``done``), the
  handler's rows and the commit are one transaction, so it takes effect exactly
  once. If it fails, the command still succeeded: the message stays pending
  for the worker.
* **worker-only** (the default): anything that leaves the process (e-mail,
  SMS, the national portal, a signing service). Only ``dispatch_pending`` (the
  ``motcua outbox run`` worker, the scheduler) runs it, never a web request. The
  worker takes a lease in a short transaction of its own (``lease_token`` until
  ``locked_until``), writes a delivery record (``OutboxDelivery``), runs the
  handler outside any lock and then marks the message done under the same
  token. A worker that dies leaves the lease to expire and the message runs
  again: the far side gets ``message.id`` as an idempotency key.

A failing message is retried with exponential back-off; after
``settings.outbox_max_attempts`` it is **dead** (with its ``last_error``), listed
by ``motcua outbox dead`` and re-queued by ``motcua outbox retry ID``.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, bindparam, case, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import coalesce

from .storage.models import OutboxDelivery, OutboxMessage, table

_MESSAGES = table(OutboxMessage)
_DELIVERIES = table(OutboxDelivery)

if TYPE_CHECKING:
    from .services import Services

log = logging.getLogger(__name__)

PENDING, DONE, DEAD = "pending", "done", "dead"
BACKOFF_SECONDS = 5.0  # first retry after 5 s, then 10, 20, 40 … (capped)
BACKOFF_CAP_SECONDS = 6 * 3600.0
LEASE_SECONDS = 300.0  # a worker-only handler must finish within this, or another worker runs it again


@dataclass
class HandlerContext:
    session: Session
    services: Services
    now: datetime
    attempt: int = 1


# A handler may return the far side's reference (a mail id, an SMS gateway id): it is kept
# on the delivery record.
Handler = Callable[[HandlerContext, OutboxMessage], "str | None"]


HANDLERS: dict[str, Handler] = {}
INLINE: set[str] = set()  # names of the handlers that run right after the command's commit


def handler(name: str, *, inline: bool = False) -> Callable[[Handler], Handler]:
    """Register a side-effect handler under ``name`` (the outbox row's ``handler``).

    ``inline=True`` only for handlers that write to this database and nothing else:
    they run right after the command's commit. Anything that leaves the process
    stays worker-only (the default).
    """

    def register(func: Handler) -> Handler:
        HANDLERS[name] = func
        if inline:
            INLINE.add(name)
        else:
            INLINE.discard(name)
        return func

    return register


def is_inline(name: str) -> bool:
    return name in INLINE


def enqueue(session: Session, services: Services, dossier_id: int | None, handler: str, payload: dict[str, Any], now: datetime) -> None:
    """Record a side effect in the command's unit of work; it runs after the commit.

    The row is inserted by ``Services.unit_of_work`` with the command's other rows.
    If ``handler`` is inline and ``settings.dispatch_outbox`` is on, it runs right
    after the commit (all of the command's inline messages, once per unit of work);
    worker-only handlers wait for the worker.
    """
    rows = session.info["outbox_rows"]
    if services.settings.dispatch_outbox and is_inline(handler):
        inline = session.info.get("inline_outbox")
        if inline is None:
            inline = session.info["inline_outbox"] = []
            info = session.info
            info["after_commit"].append(lambda: _run_inline_after_commit(services, info))
        inline.append(len(rows))
    rows.append({
        "handler": handler, "dossier_id": dossier_id, "payload": payload,
        "created_at": now, "available_at": now, "attempts": 0,
    })


def _run_inline_after_commit(services: Services, info: dict[str, Any]) -> None:
    ids = info.get("outbox_ids") or []
    run_inline(services, [ids[i] for i in info.get("inline_outbox", ()) if i < len(ids)])


def run_inline(services: Services, message_ids: list[int]) -> None:
    """Run these inline messages now, each in its own transaction. Never raises: the
    command has committed; whatever fails stays pending for the worker."""
    now = services.now()
    for message_id in message_ids:
        try:
            _run_in_transaction(services, message_id, now)
        except Exception:  # noqa: BLE001 - e.g. the database went away between commit and here
            log.exception("outbox message %s: inline run failed; left to the worker", message_id)


def run_messages(services: Services, message_ids: list[int]) -> None:
    """Run the inline ones among these messages now (a command's own side effects, after
    its commit); worker-only ones are left to the worker. Never raises."""
    if not message_ids:
        return
    with services.sessions() as session:
        rows = session.execute(select(_OUTBOX.id, _OUTBOX.handler).where(_OUTBOX.id.in_(message_ids))).all()
    names = dict(rows)
    run_inline(services, [i for i in message_ids if is_inline(names.get(i, ""))])


def dispatch_pending(services: Services, limit: int = 500) -> int:
    """The worker: run pending messages that are due; return how many were tried."""
    done = 0
    batch = 50
    seen: set[int] = set()
    with services.sessions() as session:
        session.execute(_BURY_ABANDONED, {"now": services.now(), "max": services.settings.outbox_max_attempts})
        session.commit()
    while done < limit:
        now = services.now()
        with services.sessions() as session:
            rows = session.execute(_DUE, {"now": now, "batch": min(batch, limit - done)}).all()
        rows = [r for r in rows if r.id not in seen]  # one pass tries each message once
        for message_id, name in rows:
            seen.add(message_id)
            try:
                if name in HANDLERS and name not in INLINE:
                    _run_with_lease(services, message_id, now)
                else:  # inline handlers (and unknown names, which fail and back off)
                    _run_in_transaction(services, message_id, now)
            except Exception:  # noqa: BLE001 - the database failed under us: the next pass tries again
                log.exception("outbox message %s: could not record its run", message_id)
        done += len(rows)
        if len(rows) < batch:
            break
    return done


def dead_letters(services: Services, limit: int = 100) -> list[OutboxMessage]:
    """Messages that failed ``outbox_max_attempts`` times, newest first."""
    with services.sessions() as session:
        rows = session.execute(
            select(OutboxMessage).where(OutboxMessage.state == DEAD).order_by(OutboxMessage.id.desc()).limit(limit)
        ).scalars().all()
        session.expunge_all()
    return list(rows)


def retry(services: Services, message_id: int) -> bool:
    """Re-queue a dead message with a fresh count of attempts; False if it is not dead."""
    with services.sessions() as session:
        result = session.execute(
            update(_MESSAGES)
            .where(_OUTBOX.id == message_id, _OUTBOX.state == DEAD)
            .values(state=PENDING, attempts=0, available_at=services.now(), locked_until=None, lease_token=None)
        )
        session.commit()
    return cast(CursorResult[Any], result).rowcount == 1


def deliveries(session: Session, message_id: int) -> list[OutboxDelivery]:
    """The delivery records of one message, in order."""
    return list(session.execute(
        select(OutboxDelivery).where(OutboxDelivery.message_id == message_id).order_by(OutboxDelivery.id)
    ).scalars())


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 5 s, 10 s, 20 s … up to 6 h."""
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS, BACKOFF_SECONDS * 2 ** min(max(attempts - 1, 0), 20)))


# ---------------------------------------------------------------------- statements

_OUTBOX = _MESSAGES.c
_DELIVERY = _DELIVERIES.c
_LEASE_FREE = or_(_OUTBOX.locked_until.is_(None), _OUTBOX.locked_until <= bindparam("now"))
_DUE = (
    select(_OUTBOX.id, _OUTBOX.handler)
    .where(_OUTBOX.state == PENDING, _OUTBOX.available_at <= bindparam("now"), _LEASE_FREE)
    .order_by(_OUTBOX.available_at, _OUTBOX.id)
    .limit(bindparam("batch"))
)
# A worker died during the last allowed attempt: its lease has run out, nothing will retry it.
_BURY_ABANDONED = (
    update(_MESSAGES)
    .where(_OUTBOX.state == PENDING, _OUTBOX.attempts >= bindparam("max"), _LEASE_FREE)
    .values(state=DEAD, locked_until=None, lease_token=None,
            last_error=coalesce(_OUTBOX.last_error, "the worker stopped during the last attempt (lease expired)"))
)
# Inline: claimed as done in the handler's own transaction (rolled back if it fails).
_CLAIM_DONE = (
    update(_MESSAGES)
    .where(_OUTBOX.id == bindparam("message_id"), _OUTBOX.state == PENDING, _LEASE_FREE)
    .values(state=DONE, processed_at=bindparam("now"), attempts=_OUTBOX.attempts + 1, last_error=None)
    .returning(_OUTBOX.handler, _OUTBOX.payload, _OUTBOX.dossier_id, _OUTBOX.attempts)
)
# Worker-only: a lease, committed before the handler runs.
_CLAIM_LEASE = (
    update(_MESSAGES)
    .where(_OUTBOX.id == bindparam("message_id"), _OUTBOX.state == PENDING, _LEASE_FREE,
           _OUTBOX.attempts < bindparam("max"))
    .values(attempts=_OUTBOX.attempts + 1, locked_until=bindparam("until"), lease_token=bindparam("token"))
    .returning(_OUTBOX.handler, _OUTBOX.payload, _OUTBOX.dossier_id, _OUTBOX.attempts)
)
_FINISH_LEASE = (
    update(_MESSAGES)
    .where(_OUTBOX.id == bindparam("message_id"), _OUTBOX.state == PENDING, _OUTBOX.lease_token == bindparam("token"))
    .values(state=DONE, processed_at=bindparam("now"), locked_until=None, lease_token=None, last_error=None)
)
_FAIL_LEASE = (
    update(_MESSAGES)
    .where(_OUTBOX.id == bindparam("message_id"), _OUTBOX.state == PENDING, _OUTBOX.lease_token == bindparam("token"))
    .values(state=case((_OUTBOX.attempts >= bindparam("max"), DEAD), else_=PENDING),
            last_error=bindparam("error"), available_at=bindparam("again"), locked_until=None, lease_token=None)
)
_ATTEMPTS = select(_OUTBOX.attempts).where(_OUTBOX.id == bindparam("message_id"), _OUTBOX.state == PENDING)
_FAIL_INLINE = (
    update(_MESSAGES)
    .where(_OUTBOX.id == bindparam("message_id"), _OUTBOX.state == PENDING, _OUTBOX.attempts == bindparam("before"))
    .values(state=bindparam("state"), attempts=bindparam("attempts"), last_error=bindparam("error"),
            available_at=bindparam("again"))
)
_START_DELIVERY = insert(_DELIVERIES).returning(_DELIVERY.id)
_END_DELIVERY = (
    update(_DELIVERIES)
    .where(_DELIVERY.id == bindparam("delivery_id"))
    .values(finished_at=bindparam("finished"), outcome=bindparam("outcome"), error=bindparam("error"),
            reference=bindparam("reference"))
)


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()[:2000]


def _message(message_id: int, claimed: Any) -> OutboxMessage:
    return OutboxMessage(id=message_id, handler=claimed.handler, payload=claimed.payload,
                         dossier_id=claimed.dossier_id, attempts=claimed.attempts)


def _run_in_transaction(services: Services, message_id: int, now: datetime) -> None:
    """Claim, run and mark done in one transaction (handlers that only write to this database)."""
    session = services.sessions()
    try:
        claimed = session.connection().execute(_CLAIM_DONE, {"message_id": message_id, "now": now}).first()
        if claimed is None:  # done, dead, or another worker has it
            session.rollback()
            return
        func = HANDLERS.get(claimed.handler)
        if func is None:
            raise LookupError(f"no handler registered for '{claimed.handler}'")
        func(HandlerContext(session, services, now, claimed.attempts), _message(message_id, claimed))
        session.commit()
    except Exception as exc:  # noqa: BLE001 - a failing handler must not stop the others
        session.rollback()
        _record_inline_failure(services, message_id, now, exc)
    finally:
        session.close()


def _record_inline_failure(services: Services, message_id: int, now: datetime, exc: Exception) -> None:
    error = _error_text(exc)
    with services.sessions() as session:
        conn = session.connection()
        before = conn.execute(_ATTEMPTS, {"message_id": message_id}).scalar()
        if before is None:  # done or dead meanwhile
            return
        attempts = before + 1
        state = DEAD if attempts >= services.settings.outbox_max_attempts else PENDING
        conn.execute(_FAIL_INLINE, {"message_id": message_id, "before": before, "attempts": attempts, "state": state,
                                    "error": error, "again": now + backoff(attempts)})
        session.commit()
    _log_failure(message_id, state, attempts, error)


def _log_failure(message_id: int, state: str, attempts: int, error: str) -> None:
    if state == DEAD:
        log.error("outbox message %s is dead after %s attempts: %s", message_id, attempts, error)
    else:
        log.warning("outbox message %s failed (attempt %s): %s", message_id, attempts, error)


def _run_with_lease(services: Services, message_id: int, now: datetime) -> None:
    """Lease, delivery record, the handler outside any lock, then done or a failure."""
    token = uuid.uuid4().hex
    settings = services.settings
    with services.sessions() as session:
        conn = session.connection()
        claimed = conn.execute(_CLAIM_LEASE, {
            "message_id": message_id, "now": now, "max": settings.outbox_max_attempts,
            "until": now + timedelta(seconds=LEASE_SECONDS), "token": token,
        }).first()
        if claimed is None:
            session.rollback()
            return
        delivery_id = conn.execute(_START_DELIVERY, {
            "message_id": message_id, "handler": claimed.handler, "attempt": claimed.attempts, "started_at": now,
        }).scalar_one()
        session.commit()

    session = services.sessions()
    try:
        reference = HANDLERS[claimed.handler](
            HandlerContext(session, services, now, claimed.attempts), _message(message_id, claimed))
        conn = session.connection()
        finished = services.now()
        kept = conn.execute(_FINISH_LEASE, {"message_id": message_id, "token": token, "now": finished}).rowcount
        if kept != 1:  # the lease ran out and another worker took the message: keep none of our rows
            session.rollback()
            conn = session.connection()
            log.warning("outbox message %s: lease lost before completion", message_id)
        conn.execute(_END_DELIVERY, {
            "delivery_id": delivery_id, "finished": finished, "outcome": "sent",
            "error": None if kept == 1 else "lease expired before completion", "reference": reference,
        })
        session.commit()
    except Exception as exc:  # noqa: BLE001
        session.rollback()
        error = _error_text(exc)
        finished = services.now()
        conn = session.connection()
        conn.execute(_END_DELIVERY, {"delivery_id": delivery_id, "finished": finished, "outcome": "failed",
                                     "error": error, "reference": None})
        conn.execute(_FAIL_LEASE, {
            "message_id": message_id, "token": token, "error": error, "max": settings.outbox_max_attempts,
            "again": finished + backoff(claimed.attempts),
        })
        session.commit()
        state = DEAD if claimed.attempts >= settings.outbox_max_attempts else PENDING
        _log_failure(message_id, state, claimed.attempts, error)
    finally:
        session.close()
