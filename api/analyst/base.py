"""The analyst blueprint and its hooks: a signed-in analyst (or administrator) only, CSRF on every POST."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, request, url_for

from engine import policy

from .. import pages
from ..auth import csrf_refusal
from ..staff.password import register as password_gate

bp = Blueprint("analyst", __name__, url_prefix="/kiem-soat")
pages.register(bp)
password_gate(bp)  # a temporary password is changed before anything else, as on the staff pages


@bp.before_request
def _analyst_only() -> Any:
    if g.get("user") is None:
        return redirect(url_for("staff.login", next=request.path))
    policy.require(g.user.actor(), "author")  # Forbidden -> the Vietnamese 403 page
    return csrf_refusal()


__all__ = ["bp"]
