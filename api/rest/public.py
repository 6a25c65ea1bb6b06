"""What anyone may read without a token: a dossier's status by its code and the applicant's last digits (masked)."""

from __future__ import annotations

from typing import Any

from flask import request

from engine import queries as q

from ..context import services
from .base import bp
from .openapi import operation

DIGITS_PARAM = {
    "name": "digits", "in": "query", "required": True,
    "schema": {"type": "string", "pattern": f"^[0-9]{{{q.DIGITS}}}$", "examples": ["5678"]},
    "description": f"{q.DIGITS} số cuối số điện thoại của người nộp (không khai điện thoại: của số định danh), "
                   "in trên giấy tiếp nhận. Sai số hoặc sai mã: cùng một câu trả lời 404.",
}


@operation(bp, "GET", "/public/dossiers/{code}", summary="Tra cứu tình trạng hồ sơ (công khai, che thông tin cá nhân)",
           tag="public", response="PublicStatus", auth=False, errors=("not_found", "invalid_command"), query=[DIGITS_PARAM])
def public_status(code: str) -> Any:
    """Mã hồ sơ cùng 4 số cuối số điện thoại (hoặc số định danh) của người nộp; chỉ có mã thì không xem được gì."""
    with services().sessions() as session:
        return q.public_status(session, code, request.args.get("digits"))
