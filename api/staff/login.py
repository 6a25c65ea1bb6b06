"""Signing in and out (the session cookie holds the user id and a CSRF token: ``api/auth.py``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import flash, g, redirect, render_template, request, url_for

from engine.storage.accounts import authenticate

from ..auth import log_in, log_out
from ..context import services
from .base import bp


def _safe_next(target: str | None) -> str:
    if target and urlparse(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("staff.inbox")


@bp.get("/")
def index() -> Any:
    return redirect(url_for("staff.inbox") if g.get("user") else url_for("staff.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        with services().sessions() as session:
            user = authenticate(session, username, request.form.get("password", ""))
            if user is not None:
                session.expunge(user)
        if user is None:
            flash("Sai tên đăng nhập hoặc mật khẩu.", "error")
            return render_template("login.html", username=username), 401
        log_in(user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", username="")


@bp.post("/logout")
def logout() -> Any:
    log_out()
    flash("Đã đăng xuất.", "info")
    return redirect(url_for("staff.login"))
