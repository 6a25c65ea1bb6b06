"""How things read to a Vietnamese user: local times, working time left, money; the templates' globals.

The labels themselves are the engine's (``engine.labels``: one table for the
pages, the slips and the API); codes stay English.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from engine import Forbidden, policy
from engine.definitions import FORMS
from engine.labels import (
    CHANNELS,
    LEVELS,
    ONLINE_MODES,
    OUTCOMES,
    RESULTS,
    STATUSES,
    TASK_STATES,
    TIMELINESS,
    UNCONFIRMED,
    role_label,
    status_label,
)
from engine.vocabulary import CLOSED_STATUSES, Status, TaskState


def form_title(form: str) -> str:
    return FORMS.get(form, form)


def local(moment: datetime | date | None, tz: Any, fmt: str = "%H:%M %d/%m/%Y") -> str:
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        return moment.astimezone(tz).strftime(fmt)
    return moment.strftime("%d/%m/%Y")


def weekday(moment: datetime, tz: Any) -> str:
    names = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
    return names[moment.astimezone(tz).weekday()]


def working_span(seconds: int, seconds_per_day: int) -> str:
    """'2 ngày 3 giờ 15 phút' of working time (a working day is the office day, 8 h by default)."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, seconds_per_day)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} ngày")
    if hours:
        parts.append(f"{hours} giờ")
    if minutes and not days:
        parts.append(f"{minutes} phút")
    return " ".join(parts) if parts else "dưới 1 phút"


def time_left(due: datetime | None, now: datetime, calendar: Any, closed: bool = False) -> dict[str, str]:
    """Working time left until ``due``: text and a CSS class (ok, soon, overdue, none)."""
    if closed:
        return {"text": "", "css": "none"}
    if due is None:
        return {"text": "Không tính thời gian", "css": "none"}
    spd = calendar.seconds_per_day
    if now >= due:
        late = calendar.working_seconds_between(due, now)
        return {"text": f"Quá hạn {working_span(late, spd)} làm việc" if late else "Vừa đến hạn", "css": "overdue"}
    left = calendar.working_seconds_between(now, due)
    css = "soon" if left < spd else "ok"
    return {"text": f"Còn {working_span(left, spd)} làm việc", "css": css}


# While the applicant is asked for a supplement no clock runs: never overdue, never "due soon".
PAUSED = {"text": "Tạm dừng: chờ bổ sung", "css": "paused"}


def dossier_time_left(status: str, due: datetime | None, now: datetime, calendar: Any) -> dict[str, str]:
    """A dossier's working time left: stopped while it awaits a supplement; none once it is closed or
    resolved (the result awaits its return)."""
    if status == Status.AWAITING_SUPPLEMENT:
        return dict(PAUSED)
    return time_left(due, now, calendar, closed=status in (*CLOSED_STATUSES, Status.RESOLVED))


def task_time_left(state: str, due: datetime | None, now: datetime, calendar: Any) -> dict[str, str]:
    """A step's working time left: stopped while held for a supplement; none once finished."""
    if state == TaskState.WAITING:
        return dict(PAUSED)
    return time_left(due, now, calendar, closed=state != TaskState.OPEN)


def duration_label(value: dict[str, Any] | str | None) -> str:
    """'10 ngày làm việc' (one implementation: engine/durations.py)."""
    from engine.durations import duration_label as label

    return label(value, missing=UNCONFIRMED)


def money(amount: Any) -> str:
    if amount is None:
        return UNCONFIRMED
    return f"{int(amount):,}".replace(",", ".") + " đồng"


def field_label(slug: str) -> str:
    """The field's Vietnamese name (one table for the whole app: engine/listing.py)."""
    from engine.listing import field_name

    return field_name(slug)


def register(app: Any) -> None:
    """Jinja filters and globals for the templates."""
    from flask import current_app

    def _local(moment: Any, fmt: str = "%H:%M %d/%m/%Y") -> str:
        return local(moment, current_app.extensions["motcua"].calendar.tz, fmt)

    def _division_name(agency: str | None, division: str | None) -> str:
        """A division's name (its id when the catalogue does not declare it for the agency)."""
        if not division:
            return ""
        return (current_app.extensions["motcua"].division_name(agency, division) if agency else None) or division

    def _may(action: str) -> bool:
        """Whether the signed-in user's role may take ``action`` (the access policy's rule, for menus)."""
        from flask import g

        user = g.get("user")
        if user is None:
            return False
        try:
            policy.require(user.actor(), action)
        except Forbidden:
            return False
        return True

    app.jinja_env.filters["local"] = _local
    app.jinja_env.globals.update(
        CHANNELS=CHANNELS, OUTCOMES=OUTCOMES, TIMELINESS=TIMELINESS, RESULTS=RESULTS, TASK_STATES=TASK_STATES,
        LEVELS=LEVELS, ONLINE_MODES=ONLINE_MODES, UNCONFIRMED=UNCONFIRMED,
        status_label=status_label, role_label=role_label, form_title=form_title, field_label=field_label,
        duration_label=duration_label, money=money, STATUSES=STATUSES, division_name=_division_name, may=_may,
    )
