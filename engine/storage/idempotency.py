"""Idempotency keys: a client's retry of a creating request gets the first answer, never a second dossier.

A key is the client's (``Idempotency-Key`` header; the web intake form's one-time token) and is
kept per user for 24 hours with a fingerprint of the request and, once answered, the answer
(status and body). :func:`reserve` takes the key in its own short transaction *before* the
command runs: of two concurrent requests with one key, the primary key lets exactly one through;
the other sees the first one's row (in progress: 409; answered: the same answer replayed).
A request that ends in a server error gives its key back (:func:`forget`): nothing was saved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, String, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, UTCDateTime, table

LIFETIME = timedelta(hours=24)
MAX_KEY = 200


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    user_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the first request is still running
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


KEYS = table(IdempotencyKey)


@dataclass(frozen=True)
class Stored:
    """The row of a key already taken: by which request (fingerprint), and its answer if it has one."""

    fingerprint: str
    status: int | None
    response: Any


def fingerprint(*parts: Any) -> str:
    """A digest of what makes two requests the same (method, path, body as canonical JSON)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def reserve(sessions: Callable[[], Session], user_id: str, key: str, digest: str, now: datetime) -> Stored | None:
    """Take ``key`` for this request (None), or the row of the request that took it first."""
    for _ in range(2):  # the row found may expire (and be deleted) between the insert and the read
        with sessions() as session:
            session.execute(delete(KEYS).where(KEYS.c.created_at < now - LIFETIME))
            session.commit()
            try:
                session.execute(insert(KEYS).values(user_id=user_id, key=key, fingerprint=digest, created_at=now))
                session.commit()
                return None
            except IntegrityError:
                session.rollback()
            row = session.execute(select(KEYS.c.fingerprint, KEYS.c.status, KEYS.c.response)
                                  .where(KEYS.c.user_id == user_id, KEYS.c.key == key)).first()
            if row is not None:
                return Stored(row.fingerprint, row.status, row.response)
    raise RuntimeError("idempotency key neither free nor taken")  # pragma: no cover


def finish(sessions: Callable[[], Session], user_id: str, key: str, status: int, response: Any) -> None:
    """Keep the answer of the request that holds ``key``: a retry is answered with it."""
    with sessions() as session:
        session.execute(update(KEYS).where(KEYS.c.user_id == user_id, KEYS.c.key == key)
                        .values(status=status, response=response))
        session.commit()


def forget(sessions: Callable[[], Session], user_id: str, key: str) -> None:
    """Give ``key`` back: its request failed and saved nothing, so a retry runs again."""
    with sessions() as session:
        session.execute(delete(KEYS).where(KEYS.c.user_id == user_id, KEYS.c.key == key))
        session.commit()


__all__ = ["LIFETIME", "MAX_KEY", "IdempotencyKey", "Stored", "fingerprint", "finish", "forget", "reserve"]
