"""Counters of the request throttles (``api/throttle.py``), shared by every worker through the database.

One row per counter key (``rate_limits``): the count in the current fixed window
and the window's end as Unix seconds. :func:`incr` is one atomic upsert
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, on SQLite and PostgreSQL),
so workers counting the same key at once never lose a hit; an expired window
restarts at the amount. Expired rows are removed from time to time.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base

MAX_KEY = 200  # longer keys (a user name can be long) are stored as their SHA-256


class RateLimitRow(Base):
    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix seconds: the end of the window


def stored_key(key: str) -> str:
    """The key as stored: itself when short printable ASCII, else its digest (no NUL or surrogate reaches the database)."""
    if len(key) <= MAX_KEY and key.isascii() and key.isprintable():
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def incr(session: Session, key: str, expiry: float, amount: int = 1, now: float | None = None) -> int:
    """Add ``amount`` to ``key``'s window (a new window of ``expiry`` seconds if none is open); the new count."""
    now = time.time() if now is None else now
    table = RateLimitRow.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt: Any = dialect.insert(table).values(key=stored_key(key), count=amount, expires_at=now + expiry)
    expired = table.c.expires_at <= now
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={
        "count": case((expired, amount), else_=table.c.count + amount),
        "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
    }).returning(table.c.count)
    return int(session.execute(stmt).scalar_one())


def get(session: Session, key: str, now: float | None = None) -> int:
    """The count of ``key``'s open window (0 if none)."""
    now = time.time() if now is None else now
    count = session.execute(select(RateLimitRow.count).where(
        RateLimitRow.key == stored_key(key), RateLimitRow.expires_at > now)).scalar_one_or_none()
    return int(count or 0)


def expiry(session: Session, key: str, now: float | None = None) -> float:
    """When ``key``'s window ends (Unix seconds; ``now`` if none is open)."""
    now = time.time() if now is None else now
    end = session.execute(select(RateLimitRow.expires_at).where(
        RateLimitRow.key == stored_key(key), RateLimitRow.expires_at > now)).scalar_one_or_none()
    return float(end) if end is not None else now


def clear(session: Session, key: str | None = None) -> int:
    """Forget one key (or every key); the number of rows removed."""
    stmt = delete(RateLimitRow)
    if key is not None:
        stmt = stmt.where(RateLimitRow.key == stored_key(key))
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def purge_expired(session: Session, now: float | None = None) -> int:
    now = time.time() if now is None else now
    return int(session.execute(delete(RateLimitRow).where(RateLimitRow.expires_at <= now)).rowcount or 0)  # type: ignore[attr-defined]


__all__ = ["RateLimitRow", "clear", "expiry", "get", "incr", "purge_expired", "stored_key"]
