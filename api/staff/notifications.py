"""The bell: a staff member's notifications (deadline warnings, escalations, the daily digest)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from engine.queries import notifications as n

from .. import params
from ..auth import login_required
from ..context import now, services
from .base import bp


@bp.app_context_processor
def _bell() -> dict[str, Any]:
    def unread() -> int:
        user = g.get("user")
        if user is None:
            return 0
        with services().sessions() as session:
            return n.unread_count(session, user.id)

    return {"unread_notifications": unread}


@bp.get("/notifications")
@login_required
def notifications() -> Any:
    unread_only = request.args.get("unread") == "1"
    page, per_page = params.page_of(25)
    with services().sessions() as session:
        result = n.notifications(session, g.user.id, unread_only=unread_only, page=page, per_page=per_page)
    return render_template("notifications.html", result=result, unread_only=unread_only)


@bp.post("/notifications/read")
@login_required
def notifications_read() -> Any:
    raw = request.form.getlist("id")
    try:
        ids = [int(i) for i in raw] if raw else None
    except ValueError:
        flash("Mã thông báo không hợp lệ; chưa có gì thay đổi.", "error")
        return redirect(url_for("staff.notifications"))
    with services().sessions() as session:
        changed = n.mark_read(session, g.user.id, now(), ids)
        session.commit()
    flash(f"Đã đánh dấu {changed} thông báo là đã đọc.", "ok")
    return redirect(request.form.get("next") or url_for("staff.notifications"))
