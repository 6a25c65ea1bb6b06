"""The user's own account page: who I am, my e-mail address for deadline warnings, my live web sessions and API
tokens (each revocable) and "sign out everywhere"."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for

from engine import DomainError, credentials
from engine import administration as adm
from engine.storage.accounts import User, authenticate

from ..auth import actor, log_out, login_required
from ..context import services
from ..sessions import idle_timeout
from .base import bp


def _duration(value: Any) -> str:
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60} giờ" if minutes % 60 == 0 else f"{minutes} phút"


def _page(email: str, status: int = 200) -> Any:
    with services().sessions() as session:
        items = credentials.listing(session, g.user.id, services().now(), idle_timeout(current_app))
    return render_template(
        "account.html", u=g.user, email=email,
        sessions=[c for c in items if c.kind == "session"], tokens=[c for c in items if c.kind == "token"],
        current=g.get("web_session"), lifetime=_duration(current_app.permanent_session_lifetime),
        idle=_duration(idle_timeout(current_app)),
        revoke_url=lambda kind, item: url_for("staff.revoke_credential", kind=kind, item_id=item)), status


@bp.get("/tai-khoan")
@login_required
def account() -> Any:
    with services().sessions() as session:
        found = session.get(User, g.user.id)
        email = found.email if found is not None else None
    return _page(email or "")


@bp.post("/tai-khoan")
@login_required
def change_email() -> Any:
    try:
        email = adm.change_own_email(services(), g.user.id, request.form.get("email"))
    except DomainError as exc:
        flash(exc.message, "error")
        return _page(request.form.get("email", ""), 422)
    flash(f"Đã lưu thư điện tử: {email}; cảnh báo hạn xử lý được gửi cả qua thư." if email
          else "Đã bỏ thư điện tử: cảnh báo hạn xử lý chỉ hiện trong hệ thống (chuông thông báo).", "info")
    return redirect(url_for("staff.account"))


@bp.post("/tai-khoan/thu-hoi/<kind>/<id:item_id>")
@login_required
def revoke_credential(kind: str, item_id: int) -> Any:
    try:
        credentials.revoke(services(), actor(), kind, item_id)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("staff.account"))
    if kind == "session" and item_id == g.get("web_session"):
        log_out()
        flash("Đã thu hồi phiên này. Hãy đăng nhập lại.", "info")
        return redirect(url_for("staff.login"))
    flash("Đã thu hồi phiên đăng nhập." if kind == "session" else "Đã thu hồi mã truy cập.", "info")
    return redirect(url_for("staff.account"))


@bp.post("/tai-khoan/dang-xuat-moi-noi")
@login_required
def sign_out_everywhere() -> Any:
    """Asks the password again (ASVS 3.3.4): a borrowed, still-open browser cannot sign its owner out everywhere."""
    with services().sessions() as session:
        confirmed = authenticate(session, g.user.id, request.form.get("password", "")) is not None
    if not confirmed:  # 401: counted by the password throttle (api/throttle.py), as a failed login is
        flash("Mật khẩu không đúng; chưa thu hồi gì.", "error")
        with services().sessions() as session:
            found = session.get(User, g.user.id)
            email = found.email if found is not None else None
        return _page(email or "", 401)
    counts = credentials.revoke_everything(services(), actor())
    log_out()
    flash(f"Đã đăng xuất mọi nơi: {counts['sessions']} phiên web, {counts['tokens']} mã truy cập đã bị thu hồi.", "info")
    return redirect(url_for("staff.login"))
