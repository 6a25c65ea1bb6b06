"""Who is calling: a bearer token for a user name and password, and the current user."""

from __future__ import annotations

from typing import Any

from flask import g

from engine.labels import role_label
from engine.storage.accounts import authenticate, issue_token

from ..context import services
from .base import bp
from .errors import error_response
from .openapi import operation


def user_dict(user: Any) -> dict[str, Any]:
    division = services().division_name(user.agency_id, user.division) if user.agency_id and user.division else None
    return {"id": user.id, "name": user.name, "role": user.role, "role_label": role_label(user.role),
            "agency_id": user.agency_id, "division": user.division, "division_name": division,
            "email": user.email}


@operation(bp, "POST", "/auth/token", summary="Lấy mã truy cập (bearer token)", tag="auth", body="TokenRequest",
           response="Token", auth=False, errors=("invalid_credentials", "forbidden"))
def create_token(body: dict[str, Any]) -> Any:
    """Đổi tên đăng nhập và mật khẩu lấy mã truy cập 12 giờ."""
    with services().sessions() as session:
        user = authenticate(session, body["username"], body["password"])
        if user is None:
            return error_response("invalid_credentials")
        if user.must_change_password:
            return error_response("forbidden", "Cần đổi mật khẩu tạm (trên trang /doi-mat-khau) trước khi lấy mã truy cập.")
        token, row = issue_token(session, user, services().now())
        session.commit()
        return {"access_token": token, "token_type": "Bearer", "expires_at": row.expires_at, "user": user_dict(user)}


@operation(bp, "GET", "/me", summary="Người dùng hiện tại", tag="auth", response="User")
def me() -> Any:
    return user_dict(g.user)
