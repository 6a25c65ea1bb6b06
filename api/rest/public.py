"""What anyone may read without a token: a dossier's status by its code (personal data masked)."""

from __future__ import annotations

from typing import Any

from engine import queries as q

from ..context import services
from .base import bp
from .openapi import operation


@operation(bp, "GET", "/public/dossiers/{code}", summary="Tra cứu tình trạng hồ sơ (công khai, che thông tin cá nhân)",
           tag="public", response="PublicStatus", auth=False, errors=("not_found",))
def public_status(code: str) -> Any:
    with services().sessions() as session:
        return q.public_status(session, code)
