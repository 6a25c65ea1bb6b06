"""The console's blueprint and hooks: only a signed-in administrator, CSRF on every POST."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from engine.vocabulary import Role

from .. import pages
from ..auth import csrf_ok
from ..staff.password import password_gate

bp = Blueprint("admin", __name__, url_prefix="/quan-tri", template_folder="templates")
pages.register(bp)


@bp.before_request
def _administrator_only() -> Any:
    user = g.get("user")
    if user is None:
        return redirect(url_for("staff.login", next=request.full_path if request.method == "GET" else None))
    if user.role != Role.ADMINISTRATOR:
        abort(403)
    if user.must_change_password:
        return password_gate()
    if request.method == "POST" and not csrf_ok():
        return render_template(
            "error.html", title="Phiên làm việc đã hết hạn",
            message="Biểu mẫu đã hết hạn hoặc không hợp lệ (CSRF). Hãy tải lại trang và thử lại; chưa có gì được ghi.",
        ), 400
    return None


__all__ = ["bp"]
