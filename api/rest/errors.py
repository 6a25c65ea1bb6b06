"""JSON errors with a stable code and a message in Vietnamese and English.

The body of every error of the REST API::

    {"error": {"code": "conflict", "message": "<tiếng Việt>", "message_en": "<English>", "details": {...}}}

``code`` is stable (clients branch on it); ``message`` is the engine's own
Vietnamese sentence when there is one (it names the dossier, the step, the
person), ``message_en`` the English meaning of the code.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.exceptions import HTTPException

from engine import DomainError
from engine.audit import jsonable

# code -> (HTTP status, Vietnamese default, English)
CODES: dict[str, tuple[int, str, str]] = {
    "bad_request": (400, "Yêu cầu không hợp lệ: nội dung phải là JSON.", "Malformed request: the body must be JSON."),
    "validation_error": (422, "Dữ liệu gửi lên không đúng lược đồ.", "The request body does not match its schema."),
    "unauthorized": (401, "Cần đăng nhập: hãy gửi mã truy cập (Bearer token) hợp lệ.",
                     "Authentication required: send a valid bearer token."),
    "invalid_credentials": (401, "Sai tên đăng nhập hoặc mật khẩu.", "Wrong user name or password."),
    "forbidden": (403, "Bạn không có quyền thực hiện thao tác này; không có gì thay đổi.",
                  "You may not see or do this; nothing was changed."),
    "not_found": (404, "Không tìm thấy.", "Not found."),
    "method_not_allowed": (405, "Phương thức không được hỗ trợ.", "Method not allowed."),
    "conflict": (409, "Hồ sơ vừa được người khác cập nhật; thao tác của bạn chưa được ghi. Hãy tải lại.",
                 "Someone else changed this dossier or completed this step first; nothing was saved. Reload and try again."),
    "illegal_transition": (409, "Trạng thái hiện tại của hồ sơ không cho phép thao tác này.",
                           "The dossier's current status does not allow this action; nothing was changed."),
    "invalid_command": (422, "Không thực hiện được thao tác với dữ liệu đã nhập.",
                        "The action cannot be carried out as given (missing checkpoint, unknown outcome, bad value)."),
    "invalid_definition": (422, "Định nghĩa thủ tục không hợp lệ.", "The procedure definition does not validate."),
    "invalid_text": (400, "Dữ liệu chứa ký tự không hợp lệ (NUL, ký tự điều khiển hoặc Unicode hỏng); không có gì được ghi.",
                     "The request holds text no database keeps (NUL, a control character or a lone surrogate); nothing was saved."),
    "invalid_parameter": (400, "Tham số không hợp lệ.", "A query parameter is malformed or out of range."),
    "idempotency_conflict": (422, "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác; không có gì được ghi.",
                             "This Idempotency-Key was used for a different request; nothing was saved."),
    "payload_too_large": (413, "Nội dung gửi lên quá lớn.", "The request body is too large."),
    "too_many_requests": (429, "Quá nhiều yêu cầu; hãy thử lại sau.", "Too many requests; try again after Retry-After seconds."),
    "internal_error": (500, "Lỗi hệ thống; thao tác chưa được ghi.", "Internal error; nothing was saved."),
}


def error_body(code: str, message: str | None = None, details: dict[str, Any] | None = None) -> dict[str, Any]:
    _, vi, en = CODES.get(code, CODES["internal_error"])
    return {"error": {"code": code, "message": message or vi, "message_en": en, "details": jsonable(details or {})}}


def error_response(code: str, message: str | None = None, details: dict[str, Any] | None = None,
                   status: int | None = None) -> Any:
    response = jsonify(error_body(code, message, details))
    response.status_code = status or CODES.get(code, CODES["internal_error"])[0]
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="motcua"'
    return response


def from_domain(exc: DomainError) -> Any:
    return error_response(exc.code, exc.message, dict(exc.details), exc.http_status)


def from_http(exc: HTTPException) -> Any:
    code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            409: "conflict", 413: "payload_too_large", 422: "validation_error",
            429: "too_many_requests"}.get(exc.code or 500, "internal_error")
    message, details = _limit_message(exc.code)
    response = error_response(code, message, details, exc.code)
    for name, value in exc.get_headers():  # a 405's Allow (RFC 9110 §15.5.6), a 401's challenge
        if name.lower() != "content-type":
            response.headers[name] = value
    if exc.code == 429:
        response.headers["Retry-After"] = str(details["retry_after"])
    return response


def _limit_message(status: int | None) -> tuple[str | None, dict[str, Any]]:
    """The Vietnamese sentence of a 413 (with the limit) or a 429 (with the wait); else the code's default."""
    from ..bounds import body_limit
    from ..throttle import retry_after

    if status == 413:
        limit = body_limit()
        return f"Nội dung gửi lên quá lớn (tối đa {limit:,} byte); chưa có gì được đọc hay ghi.".replace(",", "."), {"max_bytes": limit}
    if status == 429:
        wait = retry_after()
        return f"Quá nhiều lần thử; hãy thử lại sau {wait} giây.", {"retry_after": wait}
    return None, {}
