"""One's own account page: who I am, my e-mail address for deadline warnings, a link to change the password."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from engine import DomainError
from engine import administration as adm
from engine.storage.accounts import User

from ..context import services
from .base import bp


@bp.route("/tai-khoan", methods=["GET", "POST"])
def account() -> Any:
    user = g.get("user")
    if user is None:
        return redirect(url_for("staff.login", next=url_for("staff.account")))
    if request.method == "POST":
        try:
            email = adm.change_own_email(services(), user.id, request.form.get("email"))
        except DomainError as exc:
            flash(exc.message, "error")
            return render_template("account.html", u=user, email=request.form.get("email", "")), 422
        flash(f"Đã lưu thư điện tử: {email}; cảnh báo hạn xử lý được gửi cả qua thư." if email
              else "Đã bỏ thư điện tử: cảnh báo hạn xử lý chỉ hiện trong hệ thống (chuông thông báo).", "info")
        return redirect(url_for("staff.account"))
    with services().sessions() as session:
        found = session.get(User, user.id)
        email = found.email if found is not None else None
    return render_template("account.html", u=user, email=email or "")
