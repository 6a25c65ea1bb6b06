"""The administrator's console, engine side: accounts and API tokens, each change audited.

Every function takes the acting administrator (``policy.require_administrator`` first, before
anything is read), does its change in one unit of work and records one event of a declared kind
(``engine.events``: ``account.*``) on the system chain: who changed which account, to what.
A deactivation, a reactivation, a password reset and a password change also revoke the user's web
sessions and API tokens (``storage.web_sessions.revoke_all``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import credentials, events
from .audit import record
from .definitions import ROLES
from .errors import Conflict, InvalidCommand, NotFound
from .policy import Actor, require_administrator
from .services import Services
from .storage.accounts import ApiToken, User, hash_password
from .storage.models import AgencyRow, DivisionRow
from .storage.web_sessions import revoke_all
from .vocabulary import Role

MIN_PASSWORD = 10
LOGIN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
NO_AGENCY_ROLES = frozenset({Role.ADMINISTRATOR, Role.ANALYST, Role.QUALITY_OFFICER})  # may work for no one agency
STAFF_ROLES = tuple(sorted(r for r in ROLES if r != Role.SYSTEM))


# One address, no display name: what a staff member types in a form (the mail server has the last word).
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


@dataclass(frozen=True)
class Account:
    """What the console edits: a user's name, role, agency, division and (optional) e-mail address."""

    name: str
    role: str
    agency: str | None
    division: str | None = None
    email: str | None = None


def check_email(value: str | None) -> str | None:
    """An optional e-mail address, trimmed; None when empty; a clear error when it is not one address."""
    email = (value or "").strip()
    if not email:
        return None
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidCommand(f"Địa chỉ thư điện tử '{email}' không hợp lệ (ví dụ: ten.canbo@caobang.gov.vn).",
                             field="email")
    return email


def _check_account(session: Session, account: Account) -> Account:
    name = " ".join(account.name.split())
    if not name or len(name) > 200:
        raise InvalidCommand("Họ tên không được để trống (tối đa 200 ký tự).", field="name")
    if account.role not in STAFF_ROLES:
        raise InvalidCommand(f"Vai trò '{account.role}' không có (có: {', '.join(STAFF_ROLES)}).", field="role")
    agency = account.agency or None
    if agency is None and account.role not in NO_AGENCY_ROLES:
        raise InvalidCommand("Vai trò này cần một cơ quan.", field="agency")
    if agency is not None and session.get(AgencyRow, agency) is None:
        raise InvalidCommand(f"Không có cơ quan '{agency}' trong danh mục (workflows/agencies.yaml).", field="agency")
    division = account.division or None
    if division is not None and (agency is None or session.get(DivisionRow, (agency, division)) is None):
        raise InvalidCommand(f"Cơ quan '{agency}' không có phòng '{division}'.", field="division")
    return Account(name, account.role, agency, division, check_email(account.email))


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"Không có tài khoản '{user_id}'.", user=user_id)
    return user




def _snapshot(user: User) -> dict[str, Any]:
    return {"user": user.id, "name": user.name, "role": user.role, "agency": user.agency_id, "division": user.division,
            "email": user.email}


def temporary_password() -> str:
    """A one-time password the administrator hands over; the user must change it at the next sign-in."""
    return secrets.token_urlsafe(9)


def create_user(services: Services, admin: Actor, user_id: str, account: Account) -> str:
    """A new account with a temporary password (returned, shown once) to change at the first sign-in."""
    require_administrator(admin)
    user_id = user_id.strip().lower()
    if not 3 <= len(user_id) <= 80 or not set(user_id) <= LOGIN_CHARS:
        raise InvalidCommand("Tên đăng nhập 3–80 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới.",
                             field="user_id")
    password = temporary_password()
    with services.unit_of_work() as session:
        if session.get(User, user_id) is not None:
            raise Conflict(f"Tên đăng nhập '{user_id}' đã có.", user=user_id)
        checked = _check_account(session, account)
        user = User(id=user_id, name=checked.name, role=checked.role, agency_id=checked.agency, division=checked.division,
                    email=checked.email, password_hash=hash_password(password), active=True, created_at=services.now(),
                    must_change_password=True)
        session.add(user)
        record(session, None, admin, events.ACCOUNT_CREATED, {}, _snapshot(user), services.now())
    return password


def update_user(services: Services, admin: Actor, user_id: str, account: Account) -> None:
    """Change a user's name, role, agency, division and e-mail (the next request sees the new rights)."""
    require_administrator(admin)
    with services.unit_of_work() as session:
        user = _user(session, user_id)
        checked = _check_account(session, account)
        before = _snapshot(user)
        user.name, user.role, user.agency_id, user.division = checked.name, checked.role, checked.agency, checked.division
        user.email = checked.email
        after = _snapshot(user)
        if after != before:
            record(session, None, admin, events.ACCOUNT_UPDATED, before, after, services.now())


def set_active(services: Services, admin: Actor, user_id: str, active: bool) -> None:
    """Deactivate (and revoke the user's tokens) or reactivate an account; an administrator keeps their own."""
    require_administrator(admin)
    if user_id == admin.id and not active:
        raise InvalidCommand("Không thể tự khóa tài khoản của chính mình.", user=user_id)
    with services.unit_of_work() as session:
        user = _user(session, user_id)
        if bool(user.active) == active:
            return
        user.active = active
        # Both ways: nothing issued before a lock comes back to life with the account.
        revoked = revoke_all(session, user.id)
        kind = events.ACCOUNT_REACTIVATED if active else events.ACCOUNT_DEACTIVATED
        record(session, None, admin, kind, {}, {"user": user.id, **revoked}, services.now())


def reset_password(services: Services, admin: Actor, user_id: str) -> str:
    """A new temporary password (returned, shown once); the user must change it at the next sign-in."""
    require_administrator(admin)
    password = temporary_password()
    with services.unit_of_work() as session:
        user = _user(session, user_id)
        user.password_hash, user.must_change_password = hash_password(password), True
        revoked = revoke_all(session, user.id)
        record(session, None, admin, events.PASSWORD_RESET, {}, {"user": user.id, **revoked}, services.now())
    return password


def change_own_password(services: Services, user_id: str, current: str, new: str) -> None:
    """The user's own change (required after a reset): the current password, then a new one of 10+ characters."""
    if len(new) < MIN_PASSWORD or len(new) > 200:
        raise InvalidCommand(f"Mật khẩu mới cần từ {MIN_PASSWORD} đến 200 ký tự.", field="new")
    with services.unit_of_work() as session:
        user = _user(session, user_id)
        if not user.check_password(current):
            raise InvalidCommand("Mật khẩu hiện tại không đúng.", field="current")
        if user.check_password(new):
            raise InvalidCommand("Mật khẩu mới phải khác mật khẩu hiện tại.", field="new")
        user.password_hash, user.must_change_password = hash_password(new), False
        revoked = revoke_all(session, user.id)  # the session it was changed in too: sign in again
        actor = user.actor()
        record(session, None, actor, events.PASSWORD_CHANGED, {}, {"user": user.id, **revoked}, services.now())


def change_own_email(services: Services, user_id: str, email: str | None) -> str | None:
    """The user's own e-mail address (empty: none): where deadline warnings also go. Audited as an account update."""
    checked = check_email(email)
    with services.unit_of_work() as session:
        user = _user(session, user_id)
        if user.email == checked:
            return checked
        before = _snapshot(user)
        user.email = checked
        record(session, None, user.actor(), events.ACCOUNT_UPDATED, before, _snapshot(user), services.now())
    return checked


def revoke_token(services: Services, admin: Actor, token_id: int) -> None:
    """Revoke one API token (it stops working at once)."""
    require_administrator(admin)
    credentials.revoke(services, admin, "token", token_id)


def revoke_session(services: Services, admin: Actor, session_id: int) -> None:
    """Revoke one web session (its cookie opens nothing from the next request)."""
    require_administrator(admin)
    credentials.revoke(services, admin, "session", session_id)


# ---------------------------------------------------------------------- reading

def users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.agency_id.nulls_first(), User.role, User.id)).scalars())


def tokens(session: Session, user_id: str) -> list[ApiToken]:
    return list(session.execute(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)).scalars())


def agencies(session: Session) -> list[dict[str, Any]]:
    """Every agency of the catalogue with its divisions and how many active accounts each has."""
    counts: dict[tuple[str | None, str | None], int] = {
        (a, d): n for a, d, n in session.execute(
            select(User.agency_id, User.division, func.count()).where(User.active.is_(True)).group_by(User.agency_id, User.division))
    }
    divisions: dict[str, list[DivisionRow]] = {}
    for division in session.execute(select(DivisionRow).order_by(DivisionRow.agency_id, DivisionRow.name)).scalars():
        divisions.setdefault(division.agency_id, []).append(division)
    out = []
    for agency in session.execute(select(AgencyRow).order_by(AgencyRow.id)).scalars():
        out.append({"id": agency.id, "name": agency.name, "level": agency.level, "eid": agency.eid,
                    "eid_confirmed": agency.eid_confirmed,
                    "users": sum(n for (a, _), n in counts.items() if a == agency.id),
                    "divisions": [{"id": d.id, "name": d.name, "users": counts.get((agency.id, d.id), 0)}
                                  for d in divisions.get(agency.id, [])]})
    return out


def account_events(session: Session, limit: int = 50) -> list[Any]:
    """The console's latest audited changes (the system chain's account and act-as events), newest first."""
    from .storage.models import AuditEvent

    kinds = [k for k in events.EVENTS if k.startswith(("account.", "admin."))]
    return list(session.execute(
        select(AuditEvent).where(AuditEvent.action.in_(kinds)).order_by(AuditEvent.id.desc()).limit(limit)).scalars())


__all__ = [
    "Account", "STAFF_ROLES", "account_events", "agencies", "change_own_email", "change_own_password", "check_email",
    "create_user", "reset_password", "revoke_session", "revoke_token", "set_active", "tokens", "update_user", "users",
]
