"""Agencies and divisions as the catalogue declares them (workflows/agencies.yaml), with their accounts."""

from __future__ import annotations

from typing import Any

from flask import render_template

from engine import administration as adm

from ..context import services
from .base import bp


@bp.get("/co-quan")
def agencies() -> Any:
    with services().sessions() as session:
        return render_template("admin/agencies.html", agencies=adm.agencies(session))
