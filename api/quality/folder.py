"""Where the audit log's key, signed heads and monitor copy live: ``MOTCUA_AUDIT_DIR``, else ``<instance>/audit``."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app


def audit_folder(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config.get("AUDIT_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "audit"
