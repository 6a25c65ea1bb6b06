"""REST API under /api/v1: thin over the engine's commands and read queries.

One module per resource (``account``, ``procedures``, ``dossiers`` with intake,
``actions`` on a dossier, ``tasks``, ``public``), all on the one blueprint of
``base`` with its JSON error handlers. ``openapi.operation`` declares each
route with its request schema (``schemas``), and ``/api/v1/openapi.json`` is
built from the same declarations.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from . import account, actions, dossiers, procedures, public, quality, tasks  # noqa: F401  (register the operations)
from .base import bp
from .openapi import document


@bp.get("/openapi.json")
def openapi_json() -> Any:
    return jsonify(document(request.script_root + (bp.url_prefix or "")))


__all__ = ["bp"]
