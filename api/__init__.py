"""The ways in: the Flask application (one blueprint per audience) and the ``motcua`` CLI.

``api.create_app`` is the factory (``gunicorn "api:create_app()"``); see
``api/README.md`` for the layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from engine import Services


def create_app(config: dict[str, Any] | None = None, services: Services | None = None) -> Flask:
    """Application factory (``api/app.py``), imported on demand so ``motcua validate`` need not load the web stack."""
    from .app import create_app as factory

    return factory(config, services)


__all__ = ["create_app"]
