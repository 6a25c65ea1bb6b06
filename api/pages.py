"""What the HTML blueprints (staff, public) share: the Vietnamese error pages and the signed-in user.

Each HTML blueprint registers these as its own hooks and error handlers
(``register``); the REST API has its JSON ones (``api/rest/base.py``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template
from werkzeug.exceptions import HTTPException

from engine import DomainError

from .auth import load_session_user

DOMAIN_TITLES = {403: "Không có quyền truy cập", 404: "Không tìm thấy", 409: "Xung đột dữ liệu"}
HTTP_TITLES = {401: "Cần đăng nhập", 403: "Không có quyền truy cập", 404: "Không tìm thấy trang",
               405: "Thao tác không hợp lệ"}


def load_user() -> None:
    """``g.user``: the signed-in staff member (the pages' header shows who is signed in), or None."""
    if "user" not in g:
        g.user = load_session_user()


def domain_error_page(exc: DomainError) -> Any:
    load_user()
    return render_template("error.html", title=DOMAIN_TITLES.get(exc.http_status, "Không thực hiện được"),
                           message=exc.message), exc.http_status


def http_error_page(exc: HTTPException) -> Any:
    load_user()
    return render_template("error.html", title=HTTP_TITLES.get(exc.code or 500, "Lỗi"), message=""), exc.code


def limit_error_page(exc: HTTPException) -> Any:
    """413 (a body past the limit) and 429 (a throttle: ``Retry-After`` in seconds), in Vietnamese."""
    from .bounds import body_limit
    from .throttle import retry_after

    load_user()
    if exc.code == 413:
        size = f"{body_limit() // 1024:,}".replace(",", ".")
        message = f"Nội dung gửi lên vượt quá {size} KB; chưa có gì được ghi. Hãy rút gọn nội dung hoặc chia nhỏ tệp."
        return render_template("error.html", title="Nội dung quá lớn", message=message), 413
    wait = retry_after()
    message = f"Bạn đã thử quá nhiều lần trong thời gian ngắn. Hãy thử lại sau {wait} giây."
    return render_template("error.html", title="Quá nhiều yêu cầu", message=message), 429, {"Retry-After": str(wait)}


def register(bp: Blueprint) -> None:
    """The HTML blueprint's user hook and error pages."""
    bp.before_request(load_user)
    bp.register_error_handler(DomainError, domain_error_page)
    for status in (401, 403, 404, 405):
        bp.register_error_handler(status, http_error_page)
    for status in (413, 429):
        bp.register_error_handler(status, limit_error_page)


__all__ = ["domain_error_page", "http_error_page", "limit_error_page", "load_user", "register"]
