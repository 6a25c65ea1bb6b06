"""Accounts: the list, a new account, one account (role, agency, division, lock, password, tokens)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for

from engine import DomainError, credentials
from engine import administration as adm
from engine.labels import role_label

from ..auth import actor
from ..context import services
from ..sessions import idle_timeout
from .base import bp


def _account(form: Any) -> adm.Account:
    return adm.Account(form.get("name", ""), form.get("role", ""), form.get("agency") or None, form.get("division") or None,
                       form.get("email") or None)


def _choices() -> dict[str, Any]:
    with services().sessions() as session:
        return {"roles": [(r, role_label(r)) for r in adm.STAFF_ROLES], "agencies": adm.agencies(session)}


@bp.get("/")
def home() -> Any:
    with services().sessions() as session:
        people = adm.users(session)
        recent = adm.account_events(session, 20)
    return render_template("admin/users.html", users=people, recent=recent, **_choices())


@bp.post("/tai-khoan")
def create() -> Any:
    user_id = request.form.get("user_id", "")
    try:
        password = adm.create_user(services(), actor(), user_id, _account(request.form))
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.home"))
    flash(f"Đã tạo tài khoản {user_id.strip().lower()}. Mật khẩu tạm (chỉ hiện một lần): {password} — "
          "người dùng phải đổi khi đăng nhập lần đầu.", "info")
    return redirect(url_for("admin.user", user_id=user_id.strip().lower()))


@bp.get("/tai-khoan/<user_id>")
def user(user_id: str) -> Any:
    with services().sessions() as session:
        found = session.get(adm.User, user_id)
        if found is None:
            flash(f"Không có tài khoản '{user_id}'.", "error")
            return redirect(url_for("admin.home"))
        tokens = adm.tokens(session, user_id)
        sessions = [c for c in credentials.listing(session, user_id, services().now(), idle_timeout(current_app))
                    if c.kind == "session"]
    return render_template("admin/user.html", u=found, tokens=tokens, sessions=sessions, current=g.get("web_session"),
                           now=services().now(), **_choices(),
                           revoke_url=lambda kind, item: url_for("admin.revoke_session", user_id=user_id, session_id=item)
                           if kind == "session" else url_for("admin.revoke_token", user_id=user_id, token_id=item))


def _done(user_id: str, action: Any, message: str) -> Any:
    try:
        result = action()
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(message.format(result=result), "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/tai-khoan/<user_id>/sua")
def update(user_id: str) -> Any:
    return _done(user_id, lambda: adm.update_user(services(), actor(), user_id, _account(request.form)),
                 "Đã lưu vai trò, cơ quan, phòng và thư điện tử của tài khoản.")


@bp.post("/tai-khoan/<user_id>/khoa")
def deactivate(user_id: str) -> Any:
    return _done(user_id, lambda: adm.set_active(services(), actor(), user_id, False),
                 "Đã khóa tài khoản; mọi phiên đăng nhập và mã truy cập API của tài khoản đã bị thu hồi.")


@bp.post("/tai-khoan/<user_id>/mo-khoa")
def reactivate(user_id: str) -> Any:
    return _done(user_id, lambda: adm.set_active(services(), actor(), user_id, True),
                 "Đã mở lại tài khoản; phiên và mã truy cập cũ không dùng lại được.")


@bp.post("/tai-khoan/<user_id>/dat-lai-mat-khau")
def reset_password(user_id: str) -> Any:
    return _done(user_id, lambda: adm.reset_password(services(), actor(), user_id),
                 "Mật khẩu tạm (chỉ hiện một lần): {result} — người dùng phải đổi khi đăng nhập; "
                 "phiên đăng nhập và mã truy cập API cũ đã bị thu hồi.")


@bp.post("/tai-khoan/<user_id>/ma-truy-cap/<id:token_id>/thu-hoi")
def revoke_token(user_id: str, token_id: int) -> Any:
    return _done(user_id, lambda: adm.revoke_token(services(), actor(), token_id), "Đã thu hồi mã truy cập.")


@bp.post("/tai-khoan/<user_id>/phien/<id:session_id>/thu-hoi")
def revoke_session(user_id: str, session_id: int) -> Any:
    return _done(user_id, lambda: adm.revoke_session(services(), actor(), session_id),
                 "Đã thu hồi phiên đăng nhập; trình duyệt đó phải đăng nhập lại.")
