"""The quality officer's blueprint (``/chat-luong``), its hooks, and what its views share."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, g, redirect, request, url_for

from engine import policy
from engine.quality.queries import Period

from .. import pages
from ..auth import actor, csrf_refusal
from ..staff.password import register as password_gate

bp = Blueprint("quality", __name__, url_prefix="/chat-luong", template_folder="../templates")
pages.register(bp)
password_gate(bp)  # a temporary password is changed before anything else, as on the staff pages


@bp.before_request
def _signed_in() -> Any:
    if g.get("user") is None:
        return redirect(url_for("staff.login", next=request.full_path if request.method == "GET" else None))
    return csrf_refusal()


def officer() -> None:
    """The quality officer's pages: quality officers and administrators only."""
    if actor().role not in policy.QUALITY:
        abort(403)


def day(name: str) -> date | None:
    """A date filter (``YYYY-MM-DD``); a malformed one is ignored and shown back empty."""
    raw = (request.values.get(name) or "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def period() -> Period:
    return Period(day("from"), day("to"))


__all__ = ["bp", "day", "officer", "period"]
