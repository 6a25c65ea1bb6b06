"""Actions on a dossier as a whole: supplement (ask, receive), refuse, withdraw, extend with apology, return."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine import InvalidCommand
from engine.commands import (
    Command,
    Extend,
    ReceiveSupplement,
    Refuse,
    RequestSupplement,
    ReturnResult,
    Withdraw,
)

from ..auth import actor
from ..context import commands
from .base import ACTION_ERRORS, bp, code_of, detail
from .openapi import operation


def _act(command: type[Command], ref: str, body: dict[str, Any], **extra: Any) -> Any:
    """Run the action named by the body on the dossier ``ref``; answer the dossier as it now is."""
    dossier = commands().handle(actor(), command.from_body(body, code=code_of(ref), **extra))
    return detail(dossier.id)


@operation(bp, "POST", "/dossiers/{ref}/supplement-request", summary="Yêu cầu bổ sung hồ sơ (Mẫu 02)", tag="actions",
           body="SupplementRequest", response="Dossier", errors=ACTION_ERRORS)
def request_supplement(ref: str, body: dict[str, Any]) -> Any:
    return _act(RequestSupplement, ref, body)


@operation(bp, "POST", "/dossiers/{ref}/supplement", summary="Nhận hồ sơ bổ sung (thời hạn tính lại)", tag="actions",
           body="SupplementReceipt", response="Dossier", errors=ACTION_ERRORS)
def receive_supplement(ref: str, body: dict[str, Any]) -> Any:
    return _act(ReceiveSupplement, ref, body)


@operation(bp, "POST", "/dossiers/{ref}/refusal", summary="Từ chối giải quyết sau thẩm định", tag="actions",
           body="Refusal", response="Dossier", errors=ACTION_ERRORS)
def refuse(ref: str, body: dict[str, Any]) -> Any:
    return _act(Refuse, ref, body)


@operation(bp, "POST", "/dossiers/{ref}/withdrawal", summary="Công dân rút hồ sơ: dừng giải quyết", tag="actions",
           body="Withdrawal", response="Dossier", errors=ACTION_ERRORS)
def withdraw(ref: str, body: dict[str, Any]) -> Any:
    return _act(Withdraw, ref, body)


@operation(bp, "POST", "/dossiers/{ref}/extension", summary="Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
           tag="actions", body="Extension", response="Dossier", errors=ACTION_ERRORS)
def extend(ref: str, body: dict[str, Any]) -> Any:
    """The body's ``new_due_at`` (ISO 8601 text) is the command's ``new_due`` (a moment)."""
    rest = dict(body)
    raw = rest.pop("new_due_at")
    try:
        new_due = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidCommand(f"'{raw}' không phải thời điểm ISO 8601.", parameter="new_due_at") from None
    return _act(Extend, ref, rest, new_due=new_due)


@operation(bp, "POST", "/dossiers/{ref}/return", summary="Trả kết quả cho công dân", tag="actions",
           body="ReturnResult", response="Dossier", errors=ACTION_ERRORS)
def return_result(ref: str, body: dict[str, Any]) -> Any:
    return _act(ReturnResult, ref, body)
