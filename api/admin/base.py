"""The console's blueprint and hooks: only a signed-in administrator, CSRF on every POST."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, request, url_for

from engine import policy

from .. import pages
from ..auth import csrf_refusal
from ..staff.password import password_gate

bp = Blueprint("admin", __name__, url_prefix="/quan-tri", template_folder="templates")
pages.register(bp)


@bp.before_request
def _administrator_only() -> Any:
    user = g.get("user")
    if user is None:
        return redirect(url_for("staff.login", next=request.full_path if request.method == "GET" else None))
    policy.require_administrator(user.actor())  # Forbidden -> the Vietnamese 403 page
    if user.must_change_password:
        return password_gate()
    return csrf_refusal()


__all__ = ["bp"]
