"""The application: the factory, the JSON provider, and who answers a URL no view matched.

Each audience is a blueprint that owns its hooks and its error handlers
(``api/README.md``): ``staff`` (the staff pages), ``public`` (no login),
``rest`` (``/api/v1``), ``health``. The app itself only ties them together.

A URL that no view matches belongs to no blueprint, so Flask hands its 404 or
405 to the app; :func:`_unrouted` gives it to the blueprint that owns the
path's first segment (:func:`_owner`), so ``/api/...`` answers in JSON like
the rest of the API. Anything else is a staff-site page.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

if TYPE_CHECKING:
    from engine import Services


class JSONProvider(DefaultJSONProvider):
    """JSON answers: datetimes as ISO 8601 in Vietnam time (+07:00), dates as ISO dates, UTF-8 text.

    Conversion happens inside the (C) encoder, only for the values that need it.
    """

    ensure_ascii = False

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.astimezone(self._app.extensions["motcua"].calendar.tz).isoformat()
        if isinstance(o, date):
            return o.isoformat()
        return super().default(o)


def create_app(config: dict[str, Any] | None = None, services: Services | None = None) -> Flask:
    """Application factory. ``services`` may be given (tests); else built from DATABASE_URL."""
    from engine import Commands

    from . import (
        admin,
        analyst,
        bounds,
        headers,
        health,
        params,
        present,
        public,
        quality,
        reports,
        rest,
        secret,
        sessions,
        staff,
        throttle,
    )
    from .auth import csrf_token

    app = Flask("api", instance_relative_config=True)
    # Set, not setdefault: Flask's own defaults (31-day sessions, no SameSite) must not win.
    app.config.from_mapping(SECRET_KEY=None, JSON_AS_ASCII=False, **sessions.DEFAULTS, **headers.DEFAULTS)
    app.config.from_prefixed_env("MOTCUA")
    if config:
        app.config.update(config)
    secret.configure(app)
    required = app.config.get("SECRET_KEY_REQUIRED")
    if required is None:  # gunicorn's ``api:create_app()``; tests and the CLI say what they need
        required = config is None and services is None and not app.testing
    if required:
        secret.check(app)
    sessions.register(app)
    headers.register(app)
    if services is None:
        from .wiring import build_services

        services = build_services(app.config.get("DATABASE_URL"))
    if services.settings.notices_dir is None:  # the administrator's notice templates (handlers/notices.py)
        services.settings.notices_dir = Path(app.instance_path) / "notices"
    app.extensions["motcua"] = services
    app.extensions["motcua.commands"] = Commands(services)
    app.json = JSONProvider(app)
    present.register(app)
    params.register(app)  # the <id:...> converter and the text check of every URL, before the blueprints' rules
    app.jinja_env.globals["csrf_token"] = csrf_token

    for blueprint in (health.bp, rest.bp, staff.bp, public.bp, analyst.bp, admin.bp, quality.bp, reports.bp, reports.public_bp):
        app.register_blueprint(blueprint)
    bounds.init_app(app)  # the body's size limit, before any other hook reads it
    throttle.init_app(app, services.sessions)
    for status in (404, 405, 413, 429):
        app.register_error_handler(status, _unrouted)
    return app


def _owner(app: Flask, path: str) -> str | None:
    """The blueprint that owns ``path``: its url_prefix starts with the path's first segment (``/api/...``
    belongs to ``/api/v1``); of several, the one sharing the longest prefix with the path."""
    first = "/" + path.lstrip("/").split("/", 1)[0]
    best: tuple[int, str | None] = (0, None)
    for name, blueprint in app.blueprints.items():
        prefix = (blueprint.url_prefix or "").rstrip("/")
        if not prefix or "/" + prefix.lstrip("/").split("/", 1)[0] != first:
            continue
        shared = len(os.path.commonprefix([prefix, path]))
        if shared > best[0]:
            best = (shared, name)
    return best[1]


def _handler_of(app: Flask, blueprint: str, exc: HTTPException) -> Any:
    spec = app.error_handler_spec.get(blueprint, {})
    for code in (exc.code, None):
        for cls in type(exc).__mro__:
            handler = spec.get(code, {}).get(cls)
            if handler is not None:
                return handler
    return None


def _unrouted(exc: HTTPException) -> Any:
    """404/405 (and 413/429) with no view: the owning blueprint's own handler answers; else the staff site's page."""
    from flask import current_app

    from .pages import http_error_page, limit_error_page

    # A code's handler of the app comes before a blueprint's HTTPException handler in Flask's
    # lookup, so a 404 raised inside a view comes here too: its own blueprint answers it.
    owner = request.blueprint or _owner(current_app, request.path)
    handler = _handler_of(current_app, owner, exc) if owner else None
    if handler is not None:
        return handler(exc)
    return limit_error_page(exc) if exc.code in (413, 429) else http_error_page(exc)
