"""Health check: is the database reachable and migrated."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import func, select

from engine.storage.models import ProcedureVersion

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, object], int]:
    services = current_app.extensions["motcua"]
    try:
        with services.sessions() as session:
            count = session.execute(select(func.count()).select_from(ProcedureVersion)).scalar_one()
    except Exception as exc:  # noqa: BLE001 - report, never crash the probe
        return {"status": "error", "error": str(exc).splitlines()[0]}, 503
    return {"status": "ok", "procedure_versions": count}, 200
