"""The ways in: the Flask application (REST, web pages, public pages) and the ``motcua`` CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from engine import Services


def create_app(config: dict[str, Any] | None = None, services: Services | None = None) -> Flask:
    """Application factory. ``services`` may be given (tests); else built from DATABASE_URL."""
    from flask import Flask  # here, so that `motcua validate` need not load the web stack

    from engine import Commands

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev-only-change-me", JSON_AS_ASCII=False)
    app.config.from_prefixed_env("MOTCUA")
    if config:
        app.config.update(config)
    if services is None:
        from .wiring import build_services

        services = build_services(app.config.get("DATABASE_URL"))
    app.extensions["motcua"] = services
    app.extensions["motcua.commands"] = Commands(services)
    from .openapi import JSONProvider

    app.json = JSONProvider(app)

    from . import health

    app.register_blueprint(health.bp)
    _install_web(app)
    return app


def _install_web(app: Flask) -> None:
    """The REST API (/api/v1), staff pages and public pages (docs/web.md)."""
    from datetime import timedelta

    from . import present, public, rest, web
    from .auth import csrf_token

    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=10))
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    present.register(app)
    app.jinja_env.globals["csrf_token"] = csrf_token
    rest.install(app)
    web.install(app)
    app.register_blueprint(public.bp)
