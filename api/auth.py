"""Who is asking: web sessions with CSRF-protected forms, and bearer tokens for the API.

The web session is a row on the server (``engine.storage.web_sessions``): Flask's signed cookie
holds only its random key and a CSRF token. Every request reads the row and the user again, so
signing out, a password change, a lock (deactivation or reactivation), the session's lifetime
(``PERMANENT_SESSION_LIFETIME``) or idle limit (``SESSION_IDLE_TIMEOUT``) end it at once, and a
cookie replayed afterwards opens nothing. Every POST of the web pages must carry ``csrf_token``
equal to the session's. The API takes ``Authorization: Bearer <token>`` from
``POST /api/v1/auth/token`` and no cookies, so it needs no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, g, redirect, render_template, request, session, url_for

from engine import Actor
from engine.storage.accounts import User, user_for_token
from engine.storage.web_sessions import close_session, open_session, session_user

from .context import services
from .sessions import idle_timeout

WEB_SESSION = "sid"  # the cookie's session key (the row holds its SHA-256)
CSRF = "csrf"


def _detached(user: User | None) -> User | None:
    return user if user is not None and user.active else None


def load_session_user() -> User | None:
    """The signed-in user of a live session; a dead session's cookie is dropped. ``g.web_session``: its row id."""
    key = session.get(WEB_SESSION)
    if not key:
        return None
    with services().sessions() as s:
        found = session_user(s, str(key), services().now(), idle_timeout(current_app))
        if found is not None:
            s.expunge(found[0])
            g.web_session = found[1].id
        s.commit()  # the last-use time, or the expired row's removal
    if found is None:
        session.clear()
        return None
    return _detached(found[0])


def load_bearer_user() -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with services().sessions() as s:
        user = user_for_token(s, token.strip(), services().now())
        if user is not None:
            s.expunge(user)
    return user


def actor() -> Actor:
    user: User | None = g.get("user")
    if user is None:
        abort(401)
    return user.actor()


def log_in(user: User) -> None:
    """A new server-side session (any earlier one of this browser ends) and a fresh CSRF token."""
    log_out()
    with services().sessions() as s:
        key = open_session(s, user, services().now(), current_app.permanent_session_lifetime,
                           request.user_agent.string, request.remote_addr)
        s.commit()
    session[WEB_SESSION] = key
    session[CSRF] = secrets.token_urlsafe(32)
    session.permanent = True


def log_out() -> None:
    """End this browser's session on the server too: its cookie, replayed, opens nothing."""
    key = session.get(WEB_SESSION)
    if key:
        with services().sessions() as s:
            close_session(s, str(key))
            s.commit()
    session.clear()


def csrf_token() -> str:
    token = session.get(CSRF)
    if not token:
        token = session[CSRF] = secrets.token_urlsafe(32)
    return token


def csrf_ok() -> bool:
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get(CSRF) or ""
    return bool(expected) and hmac.compare_digest(sent, expected)


def csrf_refusal() -> Any:
    """The page answering a POST whose CSRF token is missing or stale (every blueprint's hook), else None."""
    if request.method == "POST" and not csrf_ok():
        return render_template(
            "error.html", title="Phiên làm việc đã hết hạn",
            message="Biểu mẫu đã hết hạn hoặc không hợp lệ (CSRF). Hãy tải lại trang và thử lại; chưa có gì được ghi.",
        ), 400
    return None


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("staff.login", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)

    return wrapper
