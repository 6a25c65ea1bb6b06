"""The "act as" (làm thay) form of the dossier page: an administrator records it, with a reason."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from engine import DomainError
from engine.commands import ActAs

from ..auth import actor
from ..context import commands, tz
from .base import bp


@bp.post("/lam-thay/<code>")
def act_as(code: str) -> Any:
    try:
        grant = commands().handle(actor(), ActAs(code, request.form.get("reason", "")))
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Đã ghi làm thay trên hồ sơ {code} (đến {grant.until.astimezone(tz()):%H:%M %d/%m/%Y}); lý do hiện trên nhật ký hồ sơ.", "info")
    return redirect(url_for("staff.dossier", code=code))
