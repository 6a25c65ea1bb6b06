"""Intake at the one-stop desk: pick the procedure, record the documents, then receive, refuse or ask for more."""

from __future__ import annotations

import secrets
from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import DomainError
from engine import queries as q
from engine.commands import Receive, RefuseIntake, RequestSupplementAtIntake
from engine.storage import idempotency
from engine.storage.models import AgencyRow
from engine.text import fold
from engine.units import units

from ..auth import actor, login_required
from ..context import commands, default, services, today
from ..rest.openapi import command_from
from .base import bp, given, lines, require

_APPLICANT = ("name", "id_number", "phone", "email", "zalo", "address", "organisation")
_DONE = {"receipt": "Đã tiếp nhận hồ sơ", "refusal": "Đã từ chối tiếp nhận hồ sơ",
         "supplement_request": "Đã lập phiếu yêu cầu bổ sung cho hồ sơ"}


def _page(listing: Any, chosen: Any, query: str, form: Any) -> str:
    """The intake page; its form carries a one-time token (``once``), kept when the form comes back with an error."""
    return render_template("intake.html", listing=listing, chosen=chosen, query=query, form=form,
                           channel_default=default(Receive, "channel"), units=_units(chosen),
                           once=form.get("once") or secrets.token_urlsafe(18))


def _units(chosen: Any) -> list[tuple[str, str]]:
    """The communes (districts) one of which is competent for the chosen procedure today, or takes the steps its
    route gives to a commune (a provincial chain such as 2.000286): (id, name), by name."""
    if not chosen:
        return []
    found = units(services().settings.workflows_dir)
    ids = found.competent(chosen["agency_id"], today())
    if ids is None:
        levels = found.levels_of((s.get("agency") for s in chosen.get("steps", ()) if s.get("agency") != chosen["agency_id"]),
                                 today())
        ids = frozenset().union(*(found.competent(level, today()) or () for level in levels))
    if not ids:
        return []
    with services().sessions() as session:
        rows = session.execute(select(AgencyRow.id, AgencyRow.name).where(AgencyRow.id.in_(ids))).all()
    return sorted(((r.id, r.name) for r in rows), key=lambda item: fold(item[1]))


@bp.get("/intake")
@login_required
def intake() -> Any:
    require("receive")
    code = request.args.get("procedure") or None
    with services().sessions() as session:
        listing = q.procedures(session, q=request.args.get("q"), on=today(), per_page=q.MAX_PER_PAGE)
        chosen = q.procedure(session, code, today()) if code else None
    return _page(listing, chosen, request.args.get("q", ""), {})


def _documents(form: Any, chosen: dict[str, Any]) -> list[dict[str, Any]]:
    docs = []
    for doc in chosen["documents"]:
        if form.get(f"doc_{doc['id']}"):
            docs.append({"id": doc["id"], "name": doc["name"],
                         "originals": form.get(f"orig_{doc['id']}", type=int) or 0,
                         "copies": form.get(f"copy_{doc['id']}", type=int) or 0})
    for i in range(1, 7):
        name = (form.get(f"other_name_{i}") or "").strip()
        if name:
            docs.append({"id": f"khac_{i}", "name": name, "originals": form.get(f"other_orig_{i}", type=int) or 0,
                         "copies": form.get(f"other_copy_{i}", type=int) or 0})
    return docs


_SCHEMAS = {"receive": (Receive, "ReceiveDossier", "receipt"), "refuse": (RefuseIntake, "RefuseIntake", "refusal"),
            "supplement": (RequestSupplementAtIntake, "IntakeSupplement", "supplement_request")}


def _command(form: Any, chosen: dict[str, Any]) -> tuple[Any, str]:
    """The intake command the desk chose, and the slip it issues: the form becomes the body the REST API
    takes (``POST /api/v1/dossiers`` and the intake refusals and supplement requests), checked by the same schema."""
    applicant = {k: form.get(f"applicant_{k}", "").strip() for k in _APPLICANT}
    body: dict[str, Any] = {
        "procedure_code": form.get("procedure", ""), "documents": _documents(form, chosen),
        "applicant": {k: v for k, v in applicant.items() if v or k == "name"},
        **{k: form[k] for k in ("variant", "competent_agency") if form.get(k)}, **given(form, "channel"),
    }
    decision = form.get("decision", "receive")
    command, schema, slip = _SCHEMAS.get(decision, _SCHEMAS["receive"])
    if decision == "refuse":
        body["reasons"] = lines(form.get("reasons"))
    elif decision == "supplement":
        body |= {"items": lines(form.get("missing")), **given(form, "reason")}
    else:
        body |= given(form, "note")
    return command_from(command, schema, body), slip


@bp.post("/intake")
@login_required
def intake_post() -> Any:
    """One dossier per filled form: a second submit of the same form (its ``once`` token) shows the first one's
    result instead of receiving the dossier again (``engine/storage/idempotency.py``)."""
    form = request.form
    prefix = "web-intake:"
    key = form.get("once", "")[:idempotency.MAX_KEY - len(prefix)]  # with its prefix within the column's length
    svc, user = services(), actor().id
    if key:
        stored = idempotency.reserve(svc.sessions, user, prefix + key, _FORM, svc.now())
        if stored is not None and stored.status is None:
            flash("Biểu mẫu này đang được xử lý (lần gửi trước chưa xong); hãy chờ rồi tải lại.", "error")
            return redirect(url_for("staff.intake"))
        if stored is not None:
            flash("Biểu mẫu này đã được gửi: hồ sơ đã được ghi, không tạo hồ sơ thứ hai.", "success")
            return redirect(stored.response["location"])
    try:
        page = _intake(form)
    except BaseException:
        if key:
            idempotency.forget(svc.sessions, user, prefix + key)
        raise
    if key and page.status_code == 302:
        idempotency.finish(svc.sessions, user, prefix + key, 302, {"location": page.location})
    elif key:  # refused: nothing was saved, the same form may be sent again once corrected
        idempotency.forget(svc.sessions, user, prefix + key)
    return page


_FORM = idempotency.fingerprint("staff.intake")  # any submit of one form is "the same request"


def _intake(form: Any) -> Any:
    code = form.get("procedure", "")
    try:
        require("receive")
        with services().sessions() as session:
            chosen = q.procedure(session, code, today())
        command, form_kind = _command(form, chosen)
        dossier = commands().handle(actor(), command)
    except DomainError as exc:
        flash(exc.message, "error")
        with services().sessions() as session:
            listing = q.procedures(session, on=today(), per_page=q.MAX_PER_PAGE)
            again = q.procedure(session, code, today()) if code else None
        return make_response(_page(listing, again, "", form), exc.http_status)
    with services().sessions() as session:
        detail = q.dossier_detail(session, actor(), dossier.id, timeline=False)
    slip = next((f for f in reversed(detail["forms"]) if f["form"] == form_kind), None)
    flash(f"{_DONE[form_kind]} {dossier.code}.", "success")
    if slip is not None:
        return redirect(url_for("staff.slip", form_id=slip["id"]))
    return redirect(url_for("staff.dossier", code=dossier.code))
