"""Web pages for staff: login, inbox, intake, dossier page with timeline, diagram and actions, printable slips.

Each view parses the form, calls one engine command or one read query, and
renders a Jinja template (or redirects with a flash message). Every POST is
CSRF-checked in ``before_request``.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from engine import DomainError, Forbidden, InvalidCommand, policy
from engine import queries as q
from engine.definitions import SUPPLEMENT_OUTCOME
from engine.lifecycle import CLOSED, STATUSES
from engine.storage.accounts import authenticate

from . import present
from .auth import (
    actor,
    commands,
    csrf_ok,
    load_session_user,
    log_in,
    log_out,
    login_required,
    services,
)
from .slips import qr_svg

bp = Blueprint("web", __name__)



@bp.before_app_request
def _load_user() -> None:
    if not request.path.startswith(("/api/", "/static/")):
        g.user = load_session_user()


@bp.before_app_request
def _csrf() -> Any:
    if request.method == "POST" and not request.path.startswith("/api/") and not csrf_ok():
        return render_template(
            "error.html", title="Phiên làm việc đã hết hạn",
            message="Biểu mẫu đã hết hạn hoặc không hợp lệ (CSRF). Hãy tải lại trang và thử lại; chưa có gì được ghi.",
        ), 400
    return None


def _now() -> datetime:
    return services().now()


def _tz() -> Any:
    return services().calendar.tz


def _safe_next(target: str | None) -> str:
    if target and urlparse(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.inbox")


def _lines(text: str | None) -> list[str]:
    return [line.strip(" -•\t") for line in (text or "").splitlines() if line.strip(" -•\t")]


def _fail(exc: DomainError, target: str) -> Any:
    flash(exc.message, "error")
    return redirect(target)


def _require(action: str) -> None:
    """The access policy's rule for ``action`` (``engine.policy.ACTIONS``), checked before the page does anything."""
    policy.require(actor(), action)


# ---------------------------------------------------------------------- login

@bp.get("/")
def index() -> Any:
    return redirect(url_for("web.inbox") if g.get("user") else url_for("web.login"))


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
    return redirect(url_for("web.login"))


# ---------------------------------------------------------------------- inbox

@bp.get("/inbox")
@login_required
def inbox() -> Any:
    scope = request.args.get("scope", "all")
    scope = scope if scope in ("all", "mine", "unit") else "all"
    status = request.args.get("status") or None
    status = status if status in STATUSES else None
    procedure = request.args.get("procedure") or None
    page, per_page = q.clamp(request.args.get("page", type=int), 25, 25)
    now = _now()
    with services().sessions() as session:
        result = q.inbox(session, actor(), scope=scope, procedure=procedure, status=status, page=page, per_page=per_page)
        choices = q.inbox_procedures(session, actor())
    for item in result.items:
        item["left"] = present.time_left(item["due_at"], now, services().calendar)
        if item["state"] == "waiting":
            item["left"] = {"text": "Tạm dừng chờ bổ sung", "css": "none"}
        item["dossier_left"] = present.time_left(item["dossier_due_at"], now, services().calendar)
    return render_template("inbox.html", result=result, scope=scope, status=status, procedure=procedure,
                           choices=choices, now=now)


# ---------------------------------------------------------------------- intake

@bp.get("/intake")
@login_required
def intake() -> Any:
    _require("receive")
    code = request.args.get("procedure") or None
    with services().sessions() as session:
        listing = q.procedures(session, q=request.args.get("q"), on=_today(), per_page=q.MAX_PER_PAGE)
        chosen = q.procedure(session, code, _today()) if code else None
    return render_template("intake.html", listing=listing, chosen=chosen, query=request.args.get("q", ""), form={})


def _today() -> Any:
    return _now().astimezone(_tz()).date()


def _intake_documents(form: Any, chosen: dict[str, Any]) -> list[dict[str, Any]]:
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


@bp.post("/intake")
@login_required
def intake_post() -> Any:
    form = request.form
    code = form.get("procedure", "")
    decision = form.get("decision", "receive")
    applicant = {k: form.get(f"applicant_{k}", "").strip() for k in
                 ("name", "id_number", "phone", "email", "address", "organisation")}
    channel = form.get("channel", "direct")
    variant = form.get("variant") or None
    try:
        _require("receive")
        with services().sessions() as session:
            chosen = q.procedure(session, code, _today())
        documents = _intake_documents(form, chosen)
        if decision == "refuse":
            dossier = commands().refuse_intake(actor(), code, applicant, _lines(form.get("reasons")), channel, documents,
                                               variant=variant)
            form_kind = "refusal"
        elif decision == "supplement":
            dossier = commands().request_supplement_at_intake(actor(), code, applicant, _lines(form.get("missing")),
                                                   form.get("reason", ""), channel, documents, variant)
            form_kind = "supplement_request"
        else:
            dossier = commands().receive(actor(), code, applicant, channel, documents, note=form.get("note", ""),
                                         variant=variant)
            form_kind = "receipt"
    except DomainError as exc:
        flash(exc.message, "error")
        with services().sessions() as session:
            listing = q.procedures(session, on=_today(), per_page=q.MAX_PER_PAGE)
            chosen = q.procedure(session, code, _today()) if code else None
        return render_template("intake.html", listing=listing, chosen=chosen, query="", form=form), exc.http_status
    with services().sessions() as session:
        detail = q.dossier_detail(session, actor(), dossier.id, timeline=False)
    slip = next((f for f in reversed(detail["forms"]) if f["form"] == form_kind), None)
    messages = {"receipt": "Đã tiếp nhận hồ sơ", "refusal": "Đã từ chối tiếp nhận hồ sơ",
                "supplement_request": "Đã lập phiếu yêu cầu bổ sung cho hồ sơ"}
    flash(f"{messages[form_kind]} {dossier.code}.", "success")
    if slip is not None:
        return redirect(url_for("web.slip", form_id=slip["id"]))
    return redirect(url_for("web.dossier", code=dossier.code))


# ---------------------------------------------------------------------- dossiers

@bp.get("/dossiers")
@login_required
def dossiers() -> Any:
    status = request.args.get("status") or None
    status = status if status in STATUSES else None
    overdue = request.args.get("overdue") == "1" or None
    page, per_page = q.clamp(request.args.get("page", type=int), 25, 25)
    now = _now()
    with services().sessions() as session:
        result = q.dossiers(session, actor(), now=now, status=status, procedure=request.args.get("procedure") or None,
                            q=request.args.get("q") or None, overdue=overdue, page=page, per_page=per_page)
    for item in result.items:
        item["left"] = present.time_left(item["due_at"], now, services().calendar,
                                         closed=item["status"] in CLOSED + ("resolved",))
    return render_template("dossiers.html", result=result, status=status, overdue=overdue,
                           query=request.args.get("q", ""), procedure=request.args.get("procedure", ""))


def _step_of(procedure: Any, step_id: str) -> Any:
    try:
        return procedure.step(step_id)
    except KeyError:
        return None


@bp.get("/dossiers/<code>")
@login_required
def dossier(code: str) -> Any:
    me = actor()
    now = _now()
    with services().sessions() as session:
        detail = q.dossier_detail(session, me, code)
        procedure = services().version(session, detail["procedure_version_id"]).procedure
    steps = {t["id"]: _step_of(procedure, t["step_id"]) for t in detail["tasks"] if t["state"] in ("open", "waiting")}
    names = {s.id: s.name for s in procedure.steps}
    variant_name = next((v.name for v in procedure.variants if v.id and v.id == detail["variant"]), None)
    checks = {c.id: c.label for s in procedure.steps for c in s.checkpoints}
    actionable = []
    for task in detail["tasks"]:
        if task["state"] != "open" or task["claimed_by"] not in (None, me.id):
            continue
        if policy.may_take_step(me, SimpleNamespace(**task), services().division_name):
            actionable.append({"task": task, "step": steps.get(task["id"])})
    status = detail["status"]
    closed = status in CLOSED
    open_places = [(t["agency_id"], t["division"]) for t in detail["tasks"] if t["state"] in ("open", "waiting")]
    can = policy.allowed_actions(me, SimpleNamespace(**detail), open_places, services().division_name,
                                 actionable_return=any(a["task"]["kind"] == "return" for a in actionable))
    current_steps = [t["step_id"] for t in detail["tasks"] if t["state"] in ("open", "waiting")]
    done_steps = [t["step_id"] for t in detail["tasks"] if t["state"] == "completed"]
    timeline = [_describe(e, names, checks) for e in detail["events"]]
    left = present.time_left(detail["due_at"], now, services().calendar, closed=closed or status == "resolved")
    for task in detail["tasks"]:
        task["left"] = present.time_left(task["due_at"], now, services().calendar, closed=task["state"] != "open")
    return render_template("dossier.html", d=detail, actionable=actionable, can=can, timeline=timeline, left=left,
                           current_steps=current_steps, done_steps=done_steps, supplement=SUPPLEMENT_OUTCOME,
                           variant_name=variant_name,
                           now=now, tz=_tz())


@bp.get("/dossiers/<code>/bpmn.xml")
@login_required
def dossier_bpmn(code: str) -> Any:
    with services().sessions() as session:
        dossier = q.find_dossier(session, code)
        if not q.can_view(session, actor(), dossier):
            raise Forbidden(f"Hồ sơ {dossier.code} không thuộc cơ quan của bạn.")
        xml = q.procedure_bpmn(session, dossier.procedure_version_id)
    return Response(xml, mimetype="application/xml")


def _describe(event: dict[str, Any], names: dict[str, str], checks: dict[str, str]) -> dict[str, Any]:
    """One line of the timeline: who, when, what, in Vietnamese."""
    action, before, after = event["action"], event["before"] or {}, event["after"] or {}
    details: list[str] = []
    step = names.get(after.get("step", ""), after.get("step", ""))
    if action == "step.completed":
        outcome = after.get("outcome")
        details.append(f"Bước: {step}; kết quả: {present.OUTCOMES.get(outcome, outcome)}")
        if after.get("checkpoints"):
            details.append("Đã kiểm tra: " + "; ".join(checks.get(c, c) for c in after["checkpoints"]))
        if after.get("timeliness"):
            details.append(present.TIMELINESS.get(after["timeliness"], after["timeliness"]))
        if after.get("note"):
            details.append(f"Ghi chú: {after['note']}")
    elif action.startswith("status."):
        details.append(f"{present.status_label(before.get('status', ''))} → {present.status_label(after.get('status', ''))}")
        if after.get("items"):
            details.append("Cần bổ sung: " + "; ".join(after["items"]))
        if after.get("reasons"):
            details.append("Lý do: " + "; ".join(after["reasons"]))
        if after.get("reason"):
            details.append(f"Lý do: {after['reason']}")
        if after.get("result"):
            details.append(present.RESULTS.get(after["result"], after["result"]))
    elif action == "tasks.ready":
        details.append("Chuyển đến: " + ", ".join(
            f"{names.get(t['step'], t['step'])} ({present.role_label(t['role'])})" for t in after.get("tasks", [])))
    elif action == "task.claimed":
        details.append(f"Bước: {step}")
    elif action == "dossier.refused_at_intake":
        details.append("Lý do: " + "; ".join(after.get("reasons", [])))
    elif action == "supplement.received":
        details.append("Hạn trả mới: " + _iso_local(after.get("due_at")))
    elif action == "dossier.extended":
        details.append(f"Hẹn lại: {_iso_local(after.get('due_at'))}; lý do: {after.get('reason', '')}")
    elif action == "dossier.received":
        details.append("Hạn trả kết quả: " + _iso_local(after.get("due_at")))
    return {"at": event["at"], "who": event["actor_name"] or event["actor"], "role": present.role_label(event["role"]),
            "what": present.ACTIONS.get(action, action), "details": details, "action": action}


def _iso_local(value: Any) -> str:
    if not value:
        return "—"
    try:
        return present.local(datetime.fromisoformat(str(value).replace("Z", "+00:00")), _tz())
    except ValueError:
        return str(value)


# ---------------------------------------------------------------------- actions

def _back(code: str) -> str:
    return url_for("web.dossier", code=code)


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Any:
    code = request.form.get("dossier", "")
    try:
        task = commands().claim(actor(), task_id)
    except DomainError as exc:
        return _fail(exc, _back(code) if code else url_for("web.inbox"))
    flash(f"Đã nhận xử lý: {task.name}.", "success")
    return redirect(_back(code) if code else url_for("web.inbox"))


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int) -> Any:
    form = request.form
    code = form.get("dossier", "")
    outcome = form.get("outcome") or None
    expected = form.get("expected_version", type=int)
    try:
        commands().complete(actor(), task_id, outcome, form.getlist("checkpoints"), form.get("note", ""),
                            _lines(form.get("supplement_items")), expected)
    except DomainError as exc:
        return _fail(exc, _back(code))
    label = present.OUTCOMES.get(outcome or "", "Hoàn thành")
    flash(f"Đã ghi: {label}.", "success")
    return redirect(_back(code))


def _dossier_action(code: str, run: Any, done: str) -> Any:
    try:
        run()
    except DomainError as exc:
        return _fail(exc, _back(code))
    flash(done, "success")
    return redirect(_back(code))


@bp.post("/dossiers/<code>/supplement")
@login_required
def receive_supplement(code: str) -> Any:
    docs = [{"id": f"bosung_{i}", "name": name} for i, name in enumerate(_lines(request.form.get("documents")), 1)]
    return _dossier_action(code, lambda: commands().receive_supplement(actor(), code, docs, request.form.get("note", "")),
                           "Đã nhận hồ sơ bổ sung; thời hạn giải quyết được tính lại.")


@bp.post("/dossiers/<code>/refusal")
@login_required
def refuse(code: str) -> Any:
    return _dossier_action(code, lambda: commands().refuse(actor(), code, _lines(request.form.get("reasons"))),
                           "Đã từ chối giải quyết; kết quả chuyển Bộ phận Một cửa trả cho công dân.")


@bp.post("/dossiers/<code>/withdrawal")
@login_required
def withdraw(code: str) -> Any:
    return _dossier_action(code, lambda: commands().withdraw(actor(), code, request.form.get("reason", "")),
                           "Đã dừng giải quyết hồ sơ theo yêu cầu rút hồ sơ.")


@bp.post("/dossiers/<code>/extension")
@login_required
def extend(code: str) -> Any:
    def run() -> None:
        raw = f"{request.form.get('new_date', '')}T{request.form.get('new_time') or '16:00'}"
        try:
            new_due = datetime.fromisoformat(raw).replace(tzinfo=_tz())
        except ValueError:
            raise InvalidCommand("Ngày hẹn mới không hợp lệ.") from None
        commands().extend(actor(), code, new_due, request.form.get("reason", ""))

    return _dossier_action(code, run, "Đã lập phiếu xin lỗi và hẹn lại ngày trả kết quả.")


@bp.post("/dossiers/<code>/return")
@login_required
def return_result(code: str) -> Any:
    return _dossier_action(code, lambda: commands().return_result(actor(), code, request.form.get("note", "")),
                           "Đã trả kết quả cho công dân.")


# ---------------------------------------------------------------------- slips

@bp.get("/forms/<int:form_id>")
@login_required
def slip(form_id: int) -> Any:
    with services().sessions() as session:
        form, dossier = q.issued_form(session, actor(), form_id)
        session.expunge(form)
    status_url = url_for("public.status", code=dossier.code, _external=True)
    return render_template("slip.html", f=form, c=form.content, code=dossier.code, status_url=status_url,
                           qr=qr_svg(status_url), tz=_tz(), parse=_parse_iso)


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# ---------------------------------------------------------------------- errors

def install(app: Any) -> None:
    """Register the blueprint and the Vietnamese error pages (JSON under /api/)."""
    from .errors import error_response, from_domain, from_http

    app.register_blueprint(bp)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Any:
        if request.path.startswith("/api/"):
            return from_domain(exc)
        titles = {403: "Không có quyền truy cập", 404: "Không tìm thấy", 409: "Xung đột dữ liệu"}
        return render_template("error.html", title=titles.get(exc.http_status, "Không thực hiện được"),
                               message=exc.message), exc.http_status

    def _http(exc: Any) -> Any:
        if request.path.startswith("/api/"):
            if exc.code == 404:
                return error_response("not_found", "Không có địa chỉ API này.")
            return from_http(exc)
        titles = {401: "Cần đăng nhập", 403: "Không có quyền truy cập", 404: "Không tìm thấy trang",
                  405: "Thao tác không hợp lệ"}
        return render_template("error.html", title=titles.get(exc.code, "Lỗi"), message=""), exc.code

    for status in (401, 403, 404, 405):
        app.register_error_handler(status, _http)


__all__ = ["bp", "install"]
