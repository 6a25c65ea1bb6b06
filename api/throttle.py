"""Throttles (issue 12 §2): failed logins per account and per address, public-lookup misses per address.

Flask-Limiter counts; its storage is shared by every gunicorn worker: the
database by default (:class:`DatabaseStorage`, the ``rate_limits`` table through
``engine/storage/throttle.py``), Redis (or any ``limits`` storage) when
``MOTCUA_RATELIMIT_STORAGE_URI`` names one (``redis://host:6379``), ``memory://``
only for a test that asks for it. Only what an attacker does is counted: a
failed login (401) and a lookup that finds nothing (404), so a busy office
behind one address is not locked out by its own successful work; every lookup
also counts towards a wider limit per address (scraping).

A refused request gets 429 with ``Retry-After`` (seconds): JSON under ``/api``,
a Vietnamese page on the web (the blueprints' error handlers).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from engine.storage import throttle as counters

from .bounds import json_body

SQL_SCHEME = "motcua-db"
DEFAULTS = {  # app.config keys (MOTCUA_<key> in the environment); Flask-Limiter's "N per minute; M per hour"
    "LOGIN_LIMIT_ACCOUNT": "5 per minute; 20 per hour",  # failed logins of one user name, from anywhere
    "LOGIN_LIMIT_ADDRESS": "20 per minute; 200 per hour",  # failed logins from one address, any user name
    "LOOKUP_LIMIT_ADDRESS": "10 per minute; 100 per hour",  # public lookups that found nothing, per address
    "LOOKUP_LIMIT_ALL": "60 per minute; 1000 per hour",  # every public lookup, per address (scraping)
    "LOOKUP_LIMIT_CODE": "20 per hour; 50 per day",  # wrong digits for one dossier code, from any address
    "PASSWORD_LIMIT_USER": "5 per minute; 20 per hour",  # wrong passwords re-entered by a signed-in user
}
PURGE_EVERY = 500  # hits between two removals of expired counters


class DatabaseStorage(Storage):
    """A ``limits`` storage on our own database (``<scheme>://``; the session factory as an option)."""

    STORAGE_SCHEME = [SQL_SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.sessions: sessionmaker[Session] = options["sessions"]
        self._hits = 0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        with self.sessions() as session:
            count = counters.incr(session, key, expiry, amount)
            self._hits += 1
            if self._hits % PURGE_EVERY == 0:
                counters.purge_expired(session)
            session.commit()
        return count

    def get(self, key: str) -> int:
        with self.sessions() as session:
            return counters.get(session, key)

    def get_expiry(self, key: str) -> float:
        with self.sessions() as session:
            return counters.expiry(session, key)

    def check(self) -> bool:
        try:
            with self.sessions() as session:
                counters.get(session, "check")
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.sessions() as session:
            removed = counters.clear(session)
            session.commit()
        return removed

    def clear(self, key: str) -> None:
        with self.sessions() as session:
            counters.clear(session, key)
            session.commit()


def account_key() -> str:
    """The user name a login names (web form or API body), so guesses at one account count together."""
    if request.is_json:  # as the API reads it (application/json, application/*+json)
        body = json_body()
        name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    return "account:" + (name.strip() if isinstance(name, str) else "")


def code_key() -> str:
    """The dossier code a public lookup names (the API's path, the web form's ``ma``): the 4 digits are a short
    secret, so guesses at one code count together whatever the addresses they come from."""
    code = (request.view_args or {}).get("code") or request.form.get("ma") or ""
    return "code:" + str(code).strip().upper()


def user_key() -> str:
    """The signed-in user re-entering a password (the view runs after the sign-in hook)."""
    user = g.get("user")
    return "user:" + (user.id if user is not None else "")


def address_key() -> str:
    """The client's address (behind a proxy, the app must be wrapped in ProxyFix: docs/security.md)."""
    return "address:" + get_remote_address()


def _counts(status: int | None) -> Callable[[Response], bool] | None:
    """Count only answers with ``status`` (None: every request counts, before it runs)."""
    if status is None:
        return None
    return lambda response: response.status_code == status


# A limit shared by the web page and the API (one counter per key: guesses through both add up):
# (scope, config key of the limit, key function, the answer's status that counts)
LOGIN_ACCOUNT = ("login-account", "LOGIN_LIMIT_ACCOUNT", account_key, 401)
LOGIN_ADDRESS = ("login-address", "LOGIN_LIMIT_ADDRESS", address_key, 401)
LOOKUP_ADDRESS = ("lookup-address", "LOOKUP_LIMIT_ADDRESS", address_key, 404)
LOOKUP_ALL = ("lookup-all", "LOOKUP_LIMIT_ALL", address_key, None)
LOOKUP_CODE = ("lookup-code", "LOOKUP_LIMIT_CODE", code_key, 404)
PASSWORD_USER = ("password-user", "PASSWORD_LIMIT_USER", user_key, 401)
RULES: dict[str, list[tuple[str, str, Callable[[], str], int | None]]] = {
    "staff.login": [LOGIN_ACCOUNT, LOGIN_ADDRESS],
    "rest.create_token": [LOGIN_ACCOUNT, LOGIN_ADDRESS],
    "public.status": [LOOKUP_ADDRESS, LOOKUP_ALL, LOOKUP_CODE],
    "rest.public_status": [LOOKUP_ADDRESS, LOOKUP_ALL, LOOKUP_CODE],
    "staff.sign_out_everywhere": [PASSWORD_USER],  # the password asked again: no way around the login's limit
    "staff.change_password": [PASSWORD_USER],
}
POST_ONLY = {"staff.login", "staff.sign_out_everywhere", "staff.change_password"}


def init_app(app: Flask, sessions: sessionmaker[Session]) -> Limiter:
    """One limiter per app (tests build several), its storage, and the limits of :data:`RULES`."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    uri = app.config.get("RATELIMIT_STORAGE_URI") or f"{SQL_SCHEME}://"
    options: dict[str, Any] = {"sessions": sessions} if uri.startswith(f"{SQL_SCHEME}:") else {}
    limiter = Limiter(get_remote_address, app=app, storage_uri=uri, storage_options=options, headers_enabled=False,
                      key_prefix="motcua", strategy="fixed-window")
    for endpoint, rules in RULES.items():
        view: Any = app.view_functions[endpoint]
        for scope, config_key, key_func, status in rules:
            view = limiter.shared_limit(app.config[config_key], scope, key_func=key_func, deduct_when=_counts(status),
                                        methods=["POST"] if endpoint in POST_ONLY else None)(view)
        app.view_functions[endpoint] = view
    app.extensions["motcua.limiter"] = limiter
    return limiter


def retry_after() -> int:
    """Seconds until the breached limit of this request opens again (at least 1)."""
    limiter: Limiter | None = current_app.extensions.get("motcua.limiter")
    limit = limiter.current_limit if limiter is not None else None
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


__all__ = ["DEFAULTS", "DatabaseStorage", "RULES", "account_key", "address_key", "init_app", "retry_after"]
