"""A user's own password change, and the gate that requires it after an administrator's reset."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine import DomainError
from engine import administration as adm

from ..auth import log_out
from ..context import services
from .base import bp

OPEN = frozenset({"staff.login", "staff.logout", "staff.change_password", "static"})


def password_gate() -> Any:
    """After a reset (or a new account) the user changes the temporary password before anything else."""
    user = g.get("user")
    if user is not None and user.must_change_password and request.endpoint not in OPEN:
        flash("Bạn cần đổi mật khẩu tạm trước khi làm việc.", "error")
        return redirect(url_for("staff.change_password"))
    return None


def register(blueprint: Blueprint) -> None:
    blueprint.before_request(password_gate)


register(bp)


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
def change_password() -> Any:
    user = g.get("user")
    if user is None:
        return redirect(url_for("staff.login", next=url_for("staff.change_password")))
    if request.method == "POST":
        new = request.form.get("new", "")
        if new != request.form.get("confirm", ""):
            flash("Hai lần nhập mật khẩu mới không khớp.", "error")
            return render_template("password.html"), 422
        try:
            adm.change_own_password(services(), user.id, request.form.get("current", ""), new)
        except DomainError as exc:
            flash(exc.message, "error")
            wrong = exc.details.get("field") == "current"  # 401: counted by the password throttle (api/throttle.py)
            return render_template("password.html"), 401 if wrong else 422
        log_out()
        flash("Đã đổi mật khẩu. Hãy đăng nhập lại bằng mật khẩu mới.", "info")
        return redirect(url_for("staff.login"))
    return render_template("password.html")
