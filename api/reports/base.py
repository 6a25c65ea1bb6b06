"""The reports blueprints: staff pages under /bao-cao (signed in, the access policy's ``view_reports``), public stats under /thong-ke."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, request

from engine import InvalidCommand, policy
from engine.reports.periods import KINDS, Period, between, current, period

from .. import pages, params
from ..auth import actor
from ..context import today
from ..staff.password import register as password_gate

bp = Blueprint("reports", __name__, url_prefix="/bao-cao", template_folder="templates")
pages.register(bp)
password_gate(bp)  # a temporary password is changed before anything else, as on the staff pages
public_bp = Blueprint("public_stats", __name__, url_prefix="/thong-ke", template_folder="templates")
pages.register(public_bp)


def scope(action: str = "view_reports") -> str | None:
    """The agency the signed-in user asked for (``?agency=``) as the policy allows (None: all agencies)."""
    who = actor()
    policy.require(who, action)
    return policy.report_scope(who, request.args.get("agency") or None)


def _day(name: str) -> date | None:
    value = request.args.get(name) or ""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidCommand(f"Ngày '{value}' (ô {name}) không hợp lệ: dùng dạng YYYY-MM-DD.") from None


def _int(name: str, default: int) -> int:
    if not request.args.get(name):
        return default
    value = params.int_arg(name, default, 1, 9999)  # ASCII digits only: '³' is a digit to str.isdigit()
    assert value is not None
    return value


def chosen_period() -> tuple[Period, dict[str, Any]]:
    """The period of the query string (``kind``, ``year``, ``number``, ``cutoff``, ``from``, ``to``);
    default: the Government Office month (closing on the 14th) containing today."""
    kind = request.args.get("kind") or "month"
    if kind not in KINDS:
        raise InvalidCommand(f"Loại kỳ báo cáo không hợp lệ '{kind[:20]}' ({', '.join(KINDS)}).")
    cutoff = request.args.get("cutoff", "1") != "0"
    if kind == "range":
        start, end = _day("from"), _day("to")
        if start is None or end is None:
            raise InvalidCommand("Chọn cả 'Từ ngày' và 'Đến ngày'.")
        p = between(start, end)
    elif request.args.get("year"):
        p = period(kind, _int("year", today().year), _int("number", 1), cutoff)
    else:
        p = current(kind, today(), cutoff)
    form = {"kind": kind, "cutoff": cutoff, "from": p.start.isoformat(), "to": p.end.isoformat(),
            "year": request.args.get("year") or "", "number": request.args.get("number") or ""}
    return p, form


__all__ = ["bp", "chosen_period", "public_bp", "scope"]
