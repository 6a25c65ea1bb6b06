"""Who is asking: web sessions with CSRF-protected forms, and bearer tokens for the API.

The web session (Flask's signed cookie) holds only the user id and a CSRF
token; the user row is read again on every request, so a deactivated account
is out at once. Every POST of the web pages must carry ``csrf_token`` equal to
the session's. The API takes ``Authorization: Bearer <token>`` from
``POST /api/v1/auth/token`` and no cookies, so it needs no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, redirect, render_template, request, session, url_for

from engine import Actor
from engine.storage.accounts import User, user_for_token

from .context import services

WEB_USER = "uid"
CSRF = "csrf"


def _detached(user: User | None) -> User | None:
    return user if user is not None and user.active else None


def load_session_user() -> User | None:
    uid = session.get(WEB_USER)
    if not uid:
        return None
    with services().sessions() as s:
        user = s.get(User, uid)
        if user is not None:
            s.expunge(user)
    return _detached(user)


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
    session.clear()
    session[WEB_USER] = user.id
    session[CSRF] = secrets.token_urlsafe(32)
    session.permanent = True


def log_out() -> None:
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
