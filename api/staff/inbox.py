"""The inbox (my steps, sorted by urgency) and the list of dossiers I may see."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from engine import queries as q
from engine.lifecycle import STATUSES
from engine.quality.nonconformity import overdue
from engine.queries.inbox import CLAIMS

from .. import params, present
from ..auth import actor, login_required
from ..context import now, services
from .base import bp


@bp.get("/inbox")
@login_required
def inbox() -> Any:
    scope = request.args.get("scope", "all")
    scope = scope if scope in CLAIMS else "all"
    status = request.args.get("status") or None
    status = status if status in STATUSES else None
    procedure = request.args.get("procedure") or None
    page, per_page = params.page_of(25)
    moment = now()
    with services().sessions() as session:
        result = q.inbox(session, actor(), scope=scope, procedure=procedure, status=status, page=page, per_page=per_page)
        choices = q.inbox_procedures(session, actor())
        corrective = overdue(session, actor().id, moment.astimezone(services().calendar.tz).date())  # issue 10
        session.expunge_all()
    for item in result.items:
        item["left"] = present.task_time_left(item["state"], item["due_at"], moment, services().calendar)
        item["dossier_left"] = present.dossier_time_left(item["status"], item["dossier_due_at"], moment, services().calendar)
    return render_template("inbox.html", result=result, scope=scope, status=status, procedure=procedure,
                           choices=choices, now=moment, corrective=corrective)


@bp.get("/dossiers")
@login_required
def dossiers() -> Any:
    status = request.args.get("status") or None
    status = status if status in STATUSES else None
    overdue = request.args.get("overdue") == "1" or None
    page, per_page = params.page_of(25)
    moment = now()
    with services().sessions() as session:
        result = q.dossiers(session, actor(), now=moment, status=status, procedure=request.args.get("procedure") or None,
                            q=request.args.get("q") or None, overdue=overdue, page=page, per_page=per_page,
                            after=params.cursor_arg("after"), before=params.cursor_arg("before"))
    for item in result.items:
        item["left"] = present.dossier_time_left(item["status"], item["due_at"], moment, services().calendar)
    return render_template("dossiers.html", result=result, status=status, overdue=overdue,
                           query=request.args.get("q", ""), procedure=request.args.get("procedure", ""))
