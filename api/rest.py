"""REST API under /api/v1: thin over the engine's commands and read queries.

Each view parses the (already validated) request, calls one command or one
query, and returns data; ``api/openapi.operation`` turns it into JSON and the
blueprint's error handlers turn domain errors into JSON errors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from engine import SYSTEM, DomainError, InvalidCommand
from engine import queries as q
from engine.lifecycle import STATUSES
from engine.storage.accounts import authenticate, issue_token

from . import present
from .auth import actor, commands, services
from .errors import error_response, from_domain, from_http
from .openapi import document, operation
from .schemas import PAGINATION

bp = Blueprint("rest", __name__, url_prefix="/api/v1")

_DOSSIER_ERRORS = ("forbidden", "not_found")
_ACTION_ERRORS = ("forbidden", "not_found", "conflict", "illegal_transition", "invalid_command")


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Any:
    return from_domain(exc)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    return from_http(exc)


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidCommand(f"Tham số '{name}' phải là số nguyên.", parameter=name) from None


def _paging(default: int = 20) -> tuple[int, int]:
    page, per_page = _int_arg("page", 1), _int_arg("per_page", default)
    if page < 1 or not 1 <= per_page <= q.MAX_PER_PAGE:
        raise InvalidCommand(f"Phân trang không hợp lệ: page ≥ 1, 1 ≤ per_page ≤ {q.MAX_PER_PAGE}.")
    return page, per_page


def _status_arg() -> str | None:
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise InvalidCommand(f"Trạng thái không hợp lệ '{status}' (có: {', '.join(STATUSES)}).", parameter="status")
    return status


def _detail(ref: str | int) -> dict[str, Any]:
    with services().sessions() as session:
        return q.dossier_detail(session, SYSTEM, ref, timeline=False)


def _code(ref: str) -> str:
    """Commands take the dossier code; the API also accepts the numeric id."""
    if ref.isdigit():
        with services().sessions() as session:
            return q.find_dossier(session, ref).code
    return ref


def _user_dict(user: Any) -> dict[str, Any]:
    division = services().division_name(user.agency_id, user.division) if user.agency_id and user.division else None
    return {"id": user.id, "name": user.name, "role": user.role, "role_label": present.role_label(user.role),
            "agency_id": user.agency_id, "division": user.division, "division_name": division}


# ---------------------------------------------------------------------- auth

@operation(bp, "POST", "/auth/token", summary="Lấy mã truy cập (bearer token)", tag="auth", body="TokenRequest",
           response="Token", auth=False, errors=("invalid_credentials",))
def create_token(body: dict[str, Any]) -> Any:
    """Đổi tên đăng nhập và mật khẩu lấy mã truy cập 12 giờ."""
    with services().sessions() as session:
        user = authenticate(session, body["username"], body["password"])
        if user is None:
            return error_response("invalid_credentials")
        token, row = issue_token(session, user, services().now())
        session.commit()
        return {"access_token": token, "token_type": "Bearer", "expires_at": row.expires_at, "user": _user_dict(user)}


@operation(bp, "GET", "/me", summary="Người dùng hiện tại", tag="auth", response="User")
def me() -> Any:
    return _user_dict(g.user)


# ---------------------------------------------------------------------- procedures

@operation(bp, "GET", "/procedures", summary="Danh sách, tìm kiếm thủ tục (không phân biệt dấu)", tag="procedures",
           response="ProcedurePage", auth=False, errors=("invalid_command",), query=[
               {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Từ khóa: mã hoặc tên, có dấu hay không."},
               {"name": "field", "in": "query", "schema": {"type": "string"}, "description": "Lĩnh vực (slug)."},
               {"name": "agency", "in": "query", "schema": {"type": "string"}, "description": "Cơ quan có thẩm quyền (id)."},
               *PAGINATION])
def list_procedures() -> Any:
    page, per_page = _paging()
    with services().sessions() as session:
        result = q.procedures(session, q=request.args.get("q"), field=request.args.get("field"),
                              agency=request.args.get("agency"), on=_today(), page=page, per_page=per_page)
    return result.as_dict()


@operation(bp, "GET", "/procedures/{code}", summary="Một thủ tục (phiên bản đang có hiệu lực)", tag="procedures",
           response="Procedure", auth=False, errors=("not_found",))
def get_procedure(code: str) -> Any:
    with services().sessions() as session:
        return q.procedure(session, code, _today())


def _today() -> Any:
    return services().now().astimezone(services().calendar.tz).date()


# ---------------------------------------------------------------------- dossiers

@operation(bp, "GET", "/dossiers", summary="Danh sách hồ sơ (lọc, phân trang)", tag="dossiers", response="DossierPage",
           errors=("invalid_command",), query=[
               {"name": "status", "in": "query", "schema": {"enum": list(STATUSES)}},
               {"name": "procedure", "in": "query", "schema": {"type": "string"}, "description": "Mã thủ tục."},
               {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Một phần mã hồ sơ."},
               {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
               *PAGINATION])
def list_dossiers() -> Any:
    page, per_page = _paging()
    overdue_raw = request.args.get("overdue")
    overdue = None if overdue_raw in (None, "") else overdue_raw.lower() in ("1", "true", "yes")
    with services().sessions() as session:
        result = q.dossiers(session, actor(), now=services().now(), status=_status_arg(),
                            procedure=request.args.get("procedure") or None, q=request.args.get("q") or None,
                            overdue=overdue, page=page, per_page=per_page)
    return result.as_dict()


@operation(bp, "POST", "/dossiers", summary="Tiếp nhận hồ sơ (Mẫu 01)", tag="intake", body="ReceiveDossier",
           response="Dossier", status=201, errors=("forbidden", "not_found", "invalid_command"))
def receive_dossier(body: dict[str, Any]) -> Any:
    dossier = commands().receive(actor(), body["procedure_code"], body["applicant"], body.get("channel", "direct"),
                                 body.get("documents", []), note=body.get("note", ""), variant=body.get("variant"))
    return _detail(dossier.id), 201


@operation(bp, "POST", "/intake/refusals", summary="Từ chối tiếp nhận hồ sơ (Mẫu 03)", tag="intake",
           body="RefuseIntake", response="Dossier", status=201, errors=("forbidden", "not_found", "invalid_command"))
def refuse_intake(body: dict[str, Any]) -> Any:
    dossier = commands().refuse_intake(actor(), body["procedure_code"], body["applicant"], body["reasons"],
                                       body.get("channel", "direct"), body.get("documents", []),
                                       variant=body.get("variant"))
    return _detail(dossier.id), 201


@operation(bp, "POST", "/intake/supplement-requests", summary="Hồ sơ chưa đầy đủ: yêu cầu bổ sung khi tiếp nhận (Mẫu 02)",
           tag="intake", body="IntakeSupplement", response="Dossier", status=201,
           errors=("forbidden", "not_found", "invalid_command"))
def intake_supplement(body: dict[str, Any]) -> Any:
    dossier = commands().request_supplement_at_intake(actor(), body["procedure_code"], body["applicant"],
                                           body["items"], body.get("reason", ""), body.get("channel", "direct"),
                                           body.get("documents", []), variant=body.get("variant"))
    return _detail(dossier.id), 201


@operation(bp, "GET", "/dossiers/{ref}", summary="Một hồ sơ theo ID hoặc mã", tag="dossiers", response="Dossier",
           errors=_DOSSIER_ERRORS)
def get_dossier(ref: str) -> Any:
    with services().sessions() as session:
        return q.dossier_detail(session, actor(), ref, timeline=False)


@operation(bp, "GET", "/dossiers/{ref}/events", summary="Nhật ký xử lý hồ sơ (ai, khi nào, làm gì)", tag="dossiers",
           response="EventPage", errors=(*_DOSSIER_ERRORS, "invalid_command"), query=list(PAGINATION))
def dossier_events(ref: str) -> Any:
    page, per_page = _paging(50)
    with services().sessions() as session:
        detail = q.dossier_detail(session, actor(), ref, timeline=True)
    items = detail["events"]
    return q.Page(items[(page - 1) * per_page: page * per_page], page, per_page, len(items)).as_dict()


@operation(bp, "POST", "/dossiers/{ref}/supplement-request", summary="Yêu cầu bổ sung hồ sơ (Mẫu 02)", tag="actions",
           body="SupplementRequest", response="Dossier", errors=_ACTION_ERRORS)
def request_supplement(ref: str, body: dict[str, Any]) -> Any:
    dossier = commands().request_supplement(actor(), _code(ref), body["items"], body.get("reason", ""))
    return _detail(dossier.id)


@operation(bp, "POST", "/dossiers/{ref}/supplement", summary="Nhận hồ sơ bổ sung (thời hạn tính lại)", tag="actions",
           body="SupplementReceipt", response="Dossier", errors=_ACTION_ERRORS)
def receive_supplement(ref: str, body: dict[str, Any]) -> Any:
    dossier = commands().receive_supplement(actor(), _code(ref), body.get("documents", []), body.get("note", ""))
    return _detail(dossier.id)


@operation(bp, "POST", "/dossiers/{ref}/refusal", summary="Từ chối giải quyết sau thẩm định", tag="actions",
           body="Refusal", response="Dossier", errors=_ACTION_ERRORS)
def refuse(ref: str, body: dict[str, Any]) -> Any:
    dossier = commands().refuse(actor(), _code(ref), body["reasons"])
    return _detail(dossier.id)


@operation(bp, "POST", "/dossiers/{ref}/withdrawal", summary="Công dân rút hồ sơ: dừng giải quyết", tag="actions",
           body="Withdrawal", response="Dossier", errors=_ACTION_ERRORS)
def withdraw(ref: str, body: dict[str, Any]) -> Any:
    dossier = commands().withdraw(actor(), _code(ref), body["reason"])
    return _detail(dossier.id)


@operation(bp, "POST", "/dossiers/{ref}/extension", summary="Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
           tag="actions", body="Extension", response="Dossier", errors=_ACTION_ERRORS)
def extend(ref: str, body: dict[str, Any]) -> Any:
    try:
        new_due = datetime.fromisoformat(body["new_due_at"])
    except ValueError:
        raise InvalidCommand(f"'{body['new_due_at']}' không phải thời điểm ISO 8601.", parameter="new_due_at") from None
    dossier = commands().extend(actor(), _code(ref), new_due, body["reason"])
    return _detail(dossier.id)


@operation(bp, "POST", "/dossiers/{ref}/return", summary="Trả kết quả cho công dân", tag="actions",
           body="ReturnResult", response="Dossier", errors=_ACTION_ERRORS)
def return_result(ref: str, body: dict[str, Any]) -> Any:
    dossier = commands().return_result(actor(), _code(ref), body.get("note", ""))
    return _detail(dossier.id)


# ---------------------------------------------------------------------- tasks

@operation(bp, "GET", "/tasks", summary="Việc cần xử lý (hộp việc), xếp theo mức khẩn", tag="tasks",
           response="InboxPage", errors=("invalid_command",), query=[
               {"name": "scope", "in": "query", "schema": {"enum": ["all", "mine", "unit"], "default": "all"},
                "description": "mine: việc tôi đã nhận; unit: việc chưa ai nhận của đơn vị; all: cả hai."},
               {"name": "procedure", "in": "query", "schema": {"type": "string"}},
               {"name": "status", "in": "query", "schema": {"enum": list(STATUSES)}},
               *PAGINATION])
def inbox() -> Any:
    page, per_page = _paging()
    scope = request.args.get("scope", "all")
    if scope not in ("all", "mine", "unit"):
        raise InvalidCommand("scope phải là all, mine hoặc unit.", parameter="scope")
    svc = services()
    now = svc.now()
    with svc.sessions() as session:
        result = q.inbox(session, actor(), scope=scope, procedure=request.args.get("procedure") or None,
                         status=_status_arg(), page=page, per_page=per_page)
    for item in result.items:
        item["time_left"] = present.time_left(item["due_at"], now, svc.calendar)
    return result.as_dict()


@operation(bp, "POST", "/tasks/{task_id}/claim", summary="Nhận xử lý một việc", tag="tasks", response="Task",
           errors=("forbidden", "not_found", "conflict", "invalid_command"))
def claim(task_id: int) -> Any:
    task = commands().claim(actor(), task_id)
    return {"id": task.id, "step_id": task.step_id, "name": task.name, "kind": task.kind, "role": task.role,
            "agency_id": task.agency_id, "division": task.division, "state": task.state, "due_at": task.due_at,
            "claimed_by": task.claimed_by, "outcome": task.outcome, "checkpoints": task.checkpoints or []}


@operation(bp, "POST", "/tasks/{task_id}/complete", summary="Hoàn thành một bước (kết quả, nội dung kiểm tra)",
           tag="tasks", body="CompleteTask", response="Dossier", errors=_ACTION_ERRORS,
           description="Gửi expected_version (hoặc header If-Match) là phiên bản hồ sơ đang xem: nếu người khác đã "
                       "cập nhật trước, trả 409 conflict và không ghi gì. Trả về hồ sơ với các bước (không kèm "
                       "danh sách phiếu: GET /dossiers/{ref}).")
def complete(task_id: int, body: dict[str, Any]) -> Any:
    expected = body.get("expected_version")
    if expected is None and request.headers.get("If-Match", "").strip('" ').isdigit():
        expected = int(request.headers["If-Match"].strip('" '))
    dossier = commands().complete(actor(), task_id, body.get("outcome"), body.get("checkpoints", []),
                                  body.get("note", ""), body.get("supplement_items", []), expected)
    with services().sessions() as session:
        return q.dossier_summary(session, dossier)


# ---------------------------------------------------------------------- public

@operation(bp, "GET", "/public/dossiers/{code}", summary="Tra cứu tình trạng hồ sơ (công khai, che thông tin cá nhân)",
           tag="public", response="PublicStatus", auth=False, errors=("not_found",))
def public_status(code: str) -> Any:
    with services().sessions() as session:
        return q.public_status(session, code)


@bp.get("/openapi.json")
def openapi_json() -> Any:
    return jsonify(document(request.script_root + bp.url_prefix))


def install(app: Any) -> None:
    """Register the blueprint (JSON for unknown /api/ paths is in ``web.install``'s error handlers)."""
    app.register_blueprint(bp)
