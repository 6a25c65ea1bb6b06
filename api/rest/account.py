"""Who is calling: a bearer token for a user name and password, and the current user."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, request

from engine import credentials
from engine.labels import role_label
from engine.storage.accounts import ApiToken, authenticate, issue_token, token_digest

from ..auth import actor
from ..context import services
from ..sessions import idle_timeout
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


def _current_token_id() -> int | None:
    """The id of the token this request came with."""
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    with services().sessions() as session:
        row = session.query(ApiToken.id).filter(ApiToken.token_hash == token_digest(token)).first()
    return row[0] if row else None


@operation(bp, "GET", "/auth/tokens", summary="Phiên đăng nhập và mã truy cập của tôi", tag="auth", response="CredentialList")
def list_credentials() -> Any:
    """Các phiên đăng nhập web còn hiệu lực và các mã truy cập API chưa hết hạn của người gọi (current: mã đang dùng)."""
    current = _current_token_id()
    with services().sessions() as session:
        items = credentials.listing(session, g.user.id, services().now(), idle_timeout(current_app))
    return {"items": [{"kind": c.kind, "id": c.id, "created_at": c.created_at, "expires_at": c.expires_at,
                       "last_seen_at": c.last_seen_at, "client": c.client, "address": c.address,
                       "current": c.kind == "token" and c.id == current} for c in items]}


@operation(bp, "DELETE", "/auth/tokens/{token_id}", summary="Thu hồi một mã truy cập của tôi", tag="auth", status=204,
           errors=("not_found",))
def revoke_token(token_id: int) -> Any:
    """Mã bị thu hồi không dùng được nữa từ yêu cầu sau (ghi nhật ký)."""
    credentials.revoke(services(), actor(), "token", token_id)
    return Response(status=204)


@operation(bp, "DELETE", "/auth/sessions/{session_id}", summary="Thu hồi một phiên đăng nhập web của tôi", tag="auth",
           status=204, errors=("not_found",))
def revoke_session(session_id: int) -> Any:
    """Trình duyệt của phiên đó phải đăng nhập lại (ghi nhật ký)."""
    credentials.revoke(services(), actor(), "session", session_id)
    return Response(status=204)


@operation(bp, "DELETE", "/auth/token", summary="Đăng xuất: thu hồi mã đang dùng", tag="auth", status=204)
def revoke_current() -> Any:
    """Thu hồi chính mã truy cập của yêu cầu này."""
    current = _current_token_id()
    if current is not None:
        credentials.revoke(services(), actor(), "token", current)
    return Response(status=204)


@operation(bp, "DELETE", "/auth/tokens", summary="Đăng xuất mọi nơi", tag="auth", response="Revoked")
def revoke_all() -> Any:
    """Thu hồi mọi phiên đăng nhập web và mọi mã truy cập của người gọi, kể cả mã đang dùng."""
    return credentials.revoke_everything(services(), actor())
