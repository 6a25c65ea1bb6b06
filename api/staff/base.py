"""The staff blueprint, its hooks (signed-in user, CSRF on every POST), and what its views share."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, url_for

from engine import DomainError, policy

from .. import pages
from ..auth import actor, csrf_refusal

bp = Blueprint("staff", __name__)
pages.register(bp)


@bp.before_request
def _csrf() -> Any:
    return csrf_refusal()


def lines(text: str | None) -> list[str]:
    """The non-empty lines of a textarea, without list bullets."""
    return [line.strip(" -•\t") for line in (text or "").splitlines() if line.strip(" -•\t")]


def given(form: Any, *names: str) -> dict[str, Any]:
    """The fields the form sent, by name: a field left out takes the command's own default."""
    return {name: form[name] for name in names if name in form}


def fail(exc: DomainError, target: str) -> Any:
    flash(exc.message, "error")
    return redirect(target)


def back(code: str) -> str:
    return url_for("staff.dossier", code=code)


def require(action: str) -> None:
    """The access policy's rule for ``action`` (``engine.policy.ACTIONS``), checked before the page does anything."""
    policy.require(actor(), action)


__all__ = ["back", "bp", "fail", "given", "lines", "require"]
