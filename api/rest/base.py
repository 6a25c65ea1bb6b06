"""The REST blueprint (``/api/v1``), its JSON error handlers, and what its views share.

Every view is declared with ``openapi.operation`` (route, body validation,
document); it builds one engine command from the validated body and hands it
to ``commands().handle(actor(), command)``, or runs one read query.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from werkzeug.exceptions import HTTPException

from engine import SYSTEM, BadInput, DomainError
from engine import queries as q
from engine.lifecycle import STATUSES

from .. import params
from ..auth import actor
from ..context import services
from .errors import error_response, from_domain, from_http

bp = Blueprint("rest", __name__, url_prefix="/api/v1")

DOSSIER_ERRORS = ("forbidden", "not_found")
ACTION_ERRORS = ("forbidden", "not_found", "conflict", "illegal_transition", "invalid_command")


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Any:
    return from_domain(exc)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    """Also answers 404/405 of unknown URLs under /api/v1 (the app hands them here: ``api/app.py``)."""
    if exc.code == 404 and request.url_rule is None:
        return error_response("not_found", "Không có địa chỉ API này.")
    return from_http(exc)


def int_arg(name: str, default: int) -> int:
    value = params.int_arg(name, default, -q.MAX_ID, q.MAX_ID)
    assert value is not None
    return value


def bool_arg(name: str) -> bool | None:
    """A boolean query parameter as OpenAPI writes one (true/false; 1/0 also); absent: None."""
    raw = request.args.get(name)
    if raw is None:
        return None
    value = {"true": True, "1": True, "false": False, "0": False}.get(raw.lower())
    if value is None:
        raise BadInput(f"Tham số '{name}' phải là true hoặc false.", parameter=name)
    return value


def paging(default: int = 20) -> tuple[int, int]:
    return params.paging(default)


def status_arg() -> str | None:
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise BadInput(f"Trạng thái không hợp lệ '{status}' (có: {', '.join(STATUSES)}).", parameter="status")
    return status


def detail(ref: str | int) -> dict[str, Any]:
    """The dossier as the API returns it after a command (the command already checked the access)."""
    with services().sessions() as session:
        return q.dossier_detail(session, SYSTEM, ref, timeline=False)


def code_of(ref: str) -> str:
    """Commands take the dossier code; the API also accepts the numeric id (of a dossier the caller may see:
    another agency's id is "not found" here, its code never named)."""
    if q.numeric_id(ref) is not None:
        with services().sessions() as session:
            return q.visible_dossier(session, actor(), ref).code
    return ref


__all__ = ["ACTION_ERRORS", "DOSSIER_ERRORS", "bool_arg", "bp", "code_of", "detail", "int_arg", "paging", "status_arg"]
