"""Staff accounts and API tokens.

A user is one person at one agency (and, where it applies, one division: an
id of the agency's ``divisions`` in workflows/agencies.yaml) with one role.
The user's ``id`` (the login name) is the actor id written into the audit
log, so every action is attributed to a person. Passwords are stored as
werkzeug hashes; API tokens only as the SHA-256 of the token, so a database
dump does not leak usable tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, bindparam, false, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..policy import Actor
from .models import Base, DivisionRow, UTCDateTime

TOKEN_LIFETIME = timedelta(hours=12)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_agency_role", "agency_id", "role"),)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # login name, the audit actor id
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    agency_id: Mapped[str | None] = mapped_column(String(80))
    division: Mapped[str | None] = mapped_column(String(200))  # a division id of the agency; None: in no division
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by an administrator's password reset: the next sign-in must choose a new password first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Optional: staff deadline warnings and escalations also go to this address by e-mail (handlers/notify.py).
    email: Mapped[str | None] = mapped_column(String(254), nullable=True, default=None)

    def actor(self) -> Actor:
        return Actor(self.id, self.role, self.agency_id, name=self.name, unit=self.division)

    def check_password(self, password: str) -> bool:
        return bool(self.active) and check_password_hash(self.password_hash, password)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def upsert_user(session: Session, user_id: str, name: str, role: str, agency_id: str | None, password: str,
                now: datetime, division: str | None = None) -> User:
    """Create the user, or update name/role/agency/password of an existing one."""
    user = session.get(User, user_id)
    if user is None:
        user = User(id=user_id, created_at=now, active=True)
        session.add(user)
    user.name, user.role, user.agency_id, user.division = name, role, agency_id, division
    user.password_hash = hash_password(password)
    return user


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))  # the same method and cost as every real hash


def authenticate(session: Session, user_id: str, password: str) -> User | None:
    """The active user with this name and password, else None.

    Every answer costs one password hash check, so an unknown or inactive user name
    takes as long as a known one: the time does not tell which names exist.
    """
    name = user_id.strip()
    user = session.get(User, name) if 0 < len(name) <= 255 and name.isprintable() else None  # no NUL, no surrogate
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    matches = check_password_hash(user.password_hash, password)
    return user if matches and user.active else None


def issue_token(session: Session, user: User, now: datetime, lifetime: timedelta = TOKEN_LIFETIME) -> tuple[str, ApiToken]:
    """A new bearer token; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(token_hash=token_digest(token), user_id=user.id, created_at=now, expires_at=now + lifetime)
    session.add(row)
    return token, row


@lru_cache(maxsize=1)
def _token_statement() -> Any:
    return (
        select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == bindparam("digest"), ApiToken.expires_at > bindparam("now", type_=UTCDateTime),
               User.active.is_(True))
    )


def users_in_unknown_divisions(session: Session) -> list[User]:
    """Accounts whose division is not one their agency declares: they see no division's steps."""
    known = select(DivisionRow.id).where(DivisionRow.agency_id == User.agency_id, DivisionRow.id == User.division)
    return list(session.execute(
        select(User).where(User.division.is_not(None), ~known.exists()).order_by(User.id)
    ).scalars())


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    """The active user a bearer token belongs to, if the token exists and has not expired."""
    return session.execute(_token_statement(), {"digest": token_digest(token), "now": now}).scalar_one_or_none()


__all__ = [
    "TOKEN_LIFETIME", "ApiToken", "User", "authenticate", "hash_password", "issue_token",
    "token_digest", "upsert_user", "user_for_token", "users_in_unknown_divisions",
]
