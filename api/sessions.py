"""Session cookie settings that take effect, and the cookie's Secure flag behind TLS.

``DEFAULTS`` are *set* by the factory (``from_mapping``, not ``setdefault``: Flask's own defaults,
31-day sessions and no SameSite, must not win), then ``MOTCUA_*`` environment variables and the
factory's config override them. The cookie only carries a random session key and the CSRF token;
the session itself is a row (``engine.storage.web_sessions``) with an absolute lifetime
(``PERMANENT_SESSION_LIFETIME``) and an idle limit (``SESSION_IDLE_TIMEOUT``), both read by
``api.auth`` on every request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

DEFAULTS: dict[str, Any] = {
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=10),  # a working day, from sign-in
    "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),  # without a request
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # also Secure on any request that came over TLS (see below)
}


def seconds(value: Any, name: str) -> timedelta:
    """A duration from the config: a timedelta, or seconds (what an environment variable gives)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    raise ValueError(f"{name} phải là số giây dương (có: {value!r}). / {name} must be a positive number of seconds.")


def idle_timeout(app: Flask) -> timedelta:
    return seconds(app.config["SESSION_IDLE_TIMEOUT"], "SESSION_IDLE_TIMEOUT")


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure when configured or when the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def register(app: Flask) -> None:
    """Check the durations (a wrong one stops the start, not a request) and install the cookie interface."""
    app.permanent_session_lifetime = seconds(app.config["PERMANENT_SESSION_LIFETIME"], "PERMANENT_SESSION_LIFETIME")
    idle_timeout(app)
    if app.config["SESSION_COOKIE_SAMESITE"] not in ("Lax", "Strict"):
        raise ValueError("SESSION_COOKIE_SAMESITE phải là Lax hoặc Strict. / SESSION_COOKIE_SAMESITE must be Lax or Strict.")
    app.session_interface = CookieSessions()


__all__ = ["DEFAULTS", "CookieSessions", "idle_timeout", "register", "seconds"]
