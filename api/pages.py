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


def register(bp: Blueprint) -> None:
    """The HTML blueprint's user hook and error pages."""
    bp.before_request(load_user)
    bp.register_error_handler(DomainError, domain_error_page)
    for status in (401, 403, 404, 405):
        bp.register_error_handler(status, http_error_page)


__all__ = ["domain_error_page", "http_error_page", "load_user", "register"]
