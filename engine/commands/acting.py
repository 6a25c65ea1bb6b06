"""An administrator's "act as" (làm thay): the one way an administrator may act on a dossier.

Separation of duties (``engine.policy``): an administrator administers accounts and does not take
a dossier's steps or act on it. When it must happen (the officer is away, a step is stuck), the
administrator records an ``ActAs`` on that dossier with a reason: an ``admin.act_as`` event on the
dossier's own chain (so its timeline shows who, why, until when) and a grant row. For the grant's
time (:data:`ACT_AS_MINUTES` by default) :meth:`Commands.handle` gives the administrator's actor
that dossier's code in ``acts_on``, and the policy lets them act on it; every act is their own,
recorded under their id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidCommand, NotFound
from ..events import ACT_AS
from ..policy import Actor
from ..storage.acting import ActAsGrant
from ..vocabulary import Role
from .base import Command, handles
from .kernel import _DOSSIER_BY_CODE, Kernel

ACT_AS_MINUTES = 60
MAX_MINUTES = 8 * 60


@dataclass(frozen=True)
class ActAs(Command):
    """Act in another's place on dossier ``code`` for ``minutes``, for ``reason`` (administrators only)."""

    action = "act_as"
    code: str
    reason: str
    minutes: int = ACT_AS_MINUTES


@handles(ActAs, "act_as")
def act_as(cmd: ActAs, k: Kernel) -> ActAsGrant:
    reason = " ".join(cmd.reason.split())
    if len(reason) < 10:
        raise InvalidCommand("Làm thay cần lý do rõ ràng (ít nhất 10 ký tự): lý do được ghi vào nhật ký và hiện trên hồ sơ.",
                             field="reason")
    if not 1 <= cmd.minutes <= MAX_MINUTES:
        raise InvalidCommand(f"Thời gian làm thay từ 1 đến {MAX_MINUTES} phút.", field="minutes")
    row = k.rows.conn.execute(_DOSSIER_BY_CODE, {"code": cmd.code}).mappings().first()
    if row is None:
        raise NotFound(f"Không có hồ sơ mã {cmd.code}.", code=cmd.code)
    dossier = k.rows.dossier(dict(row))
    until = k.now + timedelta(minutes=cmd.minutes)
    grant = ActAsGrant(user_id=k.actor.id, dossier_id=dossier.id, code=dossier.code, reason=reason[:1000],
                       created_at=k.now, until=until)
    k.session.add(grant)
    k.record(dossier, ACT_AS, {}, {"reason": reason[:1000], "until": until})
    return grant


def with_grants(session: Session, actor: Actor, now: datetime) -> Actor:
    """An administrator's actor with the dossiers their unexpired "act as" grants cover; anyone else as is."""
    if actor.role != Role.ADMINISTRATOR:
        return actor
    codes = session.execute(
        select(ActAsGrant.code).where(ActAsGrant.user_id == actor.id, ActAsGrant.until > now)
    ).scalars()
    return replace(actor, acts_on=frozenset(codes))


def acting_until_of(session: Session, actor: Actor, code: str, now: datetime) -> datetime | None:
    """Until when ``actor`` acts on dossier ``code`` (their latest unexpired grant), or None."""
    if code not in actor.acts_on:
        return None
    return session.execute(
        select(ActAsGrant.until).where(ActAsGrant.user_id == actor.id, ActAsGrant.code == code, ActAsGrant.until > now)
        .order_by(ActAsGrant.until.desc()).limit(1)
    ).scalar()


__all__ = ["ACT_AS_MINUTES", "ActAs", "acting_until_of", "with_grants"]
