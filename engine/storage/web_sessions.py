"""Web sessions kept on the server: the signed cookie carries a random session key, the row says if it still holds.

A session holds for ``lifetime`` from sign-in (absolute) and ends after ``idle`` without a request.
Only the SHA-256 of the key is stored (like API tokens), so a database dump opens no session. Signing
out deletes the row; a password change, a reset, a deactivation or a reactivation deletes every
session and API token of the user (:func:`revoke_all`), so a cookie replayed afterwards is refused.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .accounts import ApiToken, User, token_digest
from .models import Base, UTCDateTime

# A request refreshes ``last_seen_at`` only when it is older than this: one write a minute at most.
TOUCH_EVERY = timedelta(minutes=1)


class WebSession(Base):
    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # created_at + lifetime: no activity extends it
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    client: Mapped[str | None] = mapped_column(String(200))  # the browser's User-Agent, for the owner to recognise it
    address: Mapped[str | None] = mapped_column(String(64))


def open_session(session: Session, user: User, now: datetime, lifetime: timedelta,
                 client: str | None = None, address: str | None = None) -> str:
    """A new session for ``user``; returns the key for the cookie (only its digest is stored)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at <= now))
    key = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=token_digest(key), user_id=user.id, created_at=now, expires_at=now + lifetime,
                           last_seen_at=now, client=(client or "")[:200] or None, address=(address or "")[:64] or None))
    return key


def session_user(session: Session, key: str, now: datetime, idle: timedelta) -> tuple[User, WebSession] | None:
    """The active user of a live session (not expired, not idle longer than ``idle``), refreshing its last use."""
    found = session.execute(
        select(User, WebSession).join(WebSession, WebSession.user_id == User.id)
        .where(WebSession.token_hash == token_digest(key), User.active.is_(True))
    ).first()
    if found is None:
        return None
    user, row = found
    if row.expires_at <= now or row.last_seen_at + idle <= now:
        session.delete(row)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return user, row


def close_session(session: Session, key: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_digest(key)))


def sessions_of(session: Session, user_id: str, now: datetime, idle: timedelta) -> list[WebSession]:
    """The user's live sessions, newest first (expired and idle ones are not shown)."""
    return list(session.execute(
        select(WebSession).where(WebSession.user_id == user_id, WebSession.expires_at > now,
                                 WebSession.last_seen_at > now - idle)
        .order_by(WebSession.created_at.desc(), WebSession.id.desc())).scalars())


def revoke_all(session: Session, user_id: str) -> dict[str, int]:
    """Delete every web session and API token of the user; how many of each."""
    sessions = session.execute(delete(WebSession).where(WebSession.user_id == user_id)).rowcount  # type: ignore[attr-defined]
    tokens = session.execute(delete(ApiToken).where(ApiToken.user_id == user_id)).rowcount  # type: ignore[attr-defined]
    return {"sessions": int(sessions or 0), "tokens": int(tokens or 0)}


__all__ = ["WebSession", "close_session", "open_session", "revoke_all", "session_user", "sessions_of"]
