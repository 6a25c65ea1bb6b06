"""Calendar administration (administrators): announced days off and make-up working days, with their document.

Adding or withdrawing an entry is one engine command (``AnnounceDay``, ``WithdrawDay``):
audited, and the due times of the open dossiers it moves are recomputed (listed after the change).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import DomainError
from engine.calendar_admin import refresh
from engine.commands import AnnounceDay, WithdrawDay
from engine.storage.alerts import CalendarDay

from ..auth import actor, login_required
from ..context import commands, now, services
from .base import bp, fail, require

KINDS = {"day_off": "Ngày nghỉ", "working_day": "Ngày làm việc bù"}


@bp.before_app_request
def _fresh_calendar() -> None:
    """Days announced in another process reach this one within a minute."""
    refresh(services(), every=60.0)


@bp.get("/calendar")
@login_required
def calendar() -> Any:
    require("calendar")
    cal = services().calendar
    with services().sessions() as session:
        entries = list(session.execute(select(CalendarDay).order_by(CalendarDay.day.desc(), CalendarDay.id.desc())).scalars())
    year = now().astimezone(cal.tz).year
    upcoming = []
    for y in (year, year + 1):  # what the calendar knows (package + file + entries), for the administrator to check
        for d in cal.special_days(y):
            upcoming.append({"day": d, "name": cal.day_name(d) or "", "working": cal.is_working_day(d)})
    return render_template("calendar.html", entries=entries, kinds=KINDS, upcoming=upcoming,
                           file_entries=cal.file_overrides())


@bp.post("/calendar")
@login_required
def calendar_add() -> Any:
    require("calendar")
    form = request.form
    target = url_for("staff.calendar")
    try:
        day = date.fromisoformat(form.get("day", ""))
    except ValueError:
        flash("Ngày điều chỉnh không hợp lệ (cần dạng năm-tháng-ngày); chưa có gì được ghi.", "error")
        return redirect(target)
    try:
        change = commands().handle(actor(), AnnounceDay(day, form.get("kind", ""), form.get("name", ""),
                                                        form.get("document", "")))
    except DomainError as exc:
        return fail(exc, target)
    flash(f"Đã ghi {KINDS.get(change.entry.kind, change.entry.kind).lower()} {day:%d/%m/%Y}; "
          f"{len(change.moved)} hồ sơ được tính lại thời hạn"
          + (": " + ", ".join(m["code"] for m in change.moved[:20]) if change.moved else "") + ".", "success")
    return redirect(target)


@bp.post("/calendar/<id:entry_id>/withdraw")
@login_required
def calendar_withdraw(entry_id: int) -> Any:
    require("calendar")
    target = url_for("staff.calendar")
    try:
        change = commands().handle(actor(), WithdrawDay(entry_id, request.form.get("reason", "")))
    except DomainError as exc:
        return fail(exc, target)
    flash(f"Đã gỡ điều chỉnh ngày {change.entry.day:%d/%m/%Y}; {len(change.moved)} hồ sơ được tính lại thời hạn"
          + (": " + ", ".join(m["code"] for m in change.moved[:20]) if change.moved else "") + ".", "success")
    return redirect(target)
