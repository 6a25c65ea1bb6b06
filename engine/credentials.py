"""A user's web sessions and API tokens: listing them, and revoking one (its owner or an administrator), audited.

The owner sees and revokes their own on their account page (``/tai-khoan``) and through the API
(``/api/v1/auth/tokens``); an administrator does it for anyone in the console (``/quan-tri``). Either
way one event of ``engine.events`` (``account.token_revoked`` / ``account.session_revoked``) records who
revoked what. A row that belongs to someone else is "not found" to a user who is not an administrator,
so the answer names nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events
from .audit import record
from .errors import InvalidCommand, NotFound
from .policy import Actor
from .services import Services
from .storage.accounts import ApiToken
from .storage.web_sessions import WebSession, revoke_all, sessions_of
from .vocabulary import Role

Kind = Literal["session", "token"]
KINDS: dict[str, type[WebSession] | type[ApiToken]] = {"session": WebSession, "token": ApiToken}


@dataclass(frozen=True)
class Credential:
    """One live session or token as the lists show it."""

    kind: Kind
    id: int
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime | None = None
    client: str | None = None
    address: str | None = None


def listing(session: Session, user_id: str, now: datetime, idle: timedelta) -> list[Credential]:
    """The user's live web sessions (newest first), then their unexpired API tokens."""
    out = [Credential("session", s.id, s.created_at, s.expires_at, s.last_seen_at, s.client, s.address)
           for s in sessions_of(session, user_id, now, idle)]
    tokens = session.execute(select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.expires_at > now)
                             .order_by(ApiToken.id.desc())).scalars()
    out.extend(Credential("token", t.id, t.created_at, t.expires_at) for t in tokens)
    return out


def revoke(services: Services, actor: Actor, kind: str, item_id: int) -> str:
    """Revoke one session or token of ``actor`` (any user's, for an administrator); returns its owner's id."""
    model = KINDS.get(kind)
    if model is None:
        raise InvalidCommand(f"Loại '{kind}' không có (có: session, token).", field="kind")
    with services.unit_of_work() as session:
        row = session.get(WebSession, item_id) if model is WebSession else session.get(ApiToken, item_id)
        if row is None or (row.user_id != actor.id and actor.role != Role.ADMINISTRATOR):
            raise NotFound(f"Không có {'phiên đăng nhập' if kind == 'session' else 'mã truy cập'} #{item_id}.")
        owner = row.user_id
        session.delete(row)
        if kind == "session":
            record(session, None, actor, events.SESSION_REVOKED, {}, {"user": owner, "session": item_id}, services.now())
        else:
            record(session, None, actor, events.TOKEN_REVOKED, {}, {"user": owner, "token": item_id}, services.now())
    return owner


def revoke_everything(services: Services, actor: Actor) -> dict[str, int]:
    """The user's "sign out everywhere": every session and token of their own, in one audited change."""
    with services.unit_of_work() as session:
        counts = revoke_all(session, actor.id)
        record(session, None, actor, events.SIGNED_OUT_EVERYWHERE, {}, {"user": actor.id, **counts}, services.now())
    return counts


__all__ = ["KINDS", "Credential", "listing", "revoke", "revoke_everything"]
