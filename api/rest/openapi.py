"""The REST operations' registry and the OpenAPI 3.1 document built from it.

``operation`` both registers a Flask route and records what the document
says about it: the path, the request schema (``api/rest/schemas.REQUESTS``) the
body is validated against, the response schema, the query parameters and the
error codes. One declaration, so the route table, the validation and
``/api/v1/openapi.json`` always agree.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from itertools import islice
from typing import Any

from flask import Blueprint, Response, current_app, g, has_app_context, jsonify, request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from engine import BadInput, DomainError, textcheck
from engine.commands import Command
from engine.queries import MAX_ID
from engine.storage import idempotency

from ..auth import load_bearer_user
from ..bounds import body_bytes, json_depth_problem
from ..context import services
from . import schemas
from .errors import CODES, error_response, from_domain

VERSION = "1.0.0"
INT_PARAMS = {"task_id": "ID của việc (task).", "form_id": "ID của phiếu đã phát hành.",
              "token_id": "ID của mã truy cập (GET /auth/tokens).", "session_id": "ID của phiên đăng nhập web (GET /auth/tokens)."}
STR_PARAMS = {
    "ref": "ID số hoặc mã hồ sơ, ví dụ CB.SYT-260302-0001.",
    "code": "Mã (hồ sơ hoặc thủ tục).",
}
STR_EXAMPLES = {"ref": ["CB.SYT-260302-0001"], "code": ["1.001806", "CB.SYT-260302-0001"]}
VALIDATORS = {name: Draft202012Validator(schema) for name, schema in schemas.REQUESTS.items()}


@dataclass
class Operation:
    method: str
    path: str
    endpoint: str
    summary: str
    tag: str
    body: str | None
    response: str | None
    status: int
    auth: bool
    query: list[dict[str, Any]]
    errors: list[str] = field(default_factory=list)
    description: str = ""


OPERATIONS: list[Operation] = []


def _flask_rule(path: str) -> str:
    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<id:{name}>" if name in INT_PARAMS else f"<{name}>"

    return re.sub(r"\{(\w+)\}", repl, path)


_MESSAGES = {
    "maxLength": "dài quá {v} ký tự", "minLength": "ngắn hơn {v} ký tự (không được để trống)",
    "maxItems": "nhiều hơn {v} mục", "minItems": "cần ít nhất {v} mục", "pattern": "không đúng dạng",
    "maximum": "lớn hơn {v}", "minimum": "nhỏ hơn {v}", "enum": "không thuộc các giá trị cho phép",
    "type": "sai kiểu dữ liệu", "required": "thiếu trường bắt buộc", "additionalProperties": "có trường không hợp lệ",
    "uniqueItems": "có mục trùng nhau", "format": "không đúng định dạng", "oneOf": "không đúng dạng",
}


# What a field is called in a message (else its name): the web forms show these sentences too.
LABELS = {"reasons": "lý do từ chối", "items": "thành phần hồ sơ cần bổ sung", "reason": "lý do",
          "applicant": "người nộp hồ sơ", "applicant.name": "tên người nộp hồ sơ", "procedure_code": "mã thủ tục",
          "new_due_at": "ngày hẹn trả kết quả mới", "username": "tên đăng nhập", "password": "mật khẩu"}


def _validation_errors(name: str, body: Any, limit: int | None = None) -> list[dict[str, str]]:
    """The body's schema errors: a JSON pointer, the validator's English and a Vietnamese sentence naming the field.

    At most ``limit + 1`` are collected (the validator stops there: a 10 MB array must not be walked to its end);
    a caller that sees more than ``limit`` says it stopped."""
    errors = VALIDATORS[name].iter_errors(body)
    first = list(islice(errors, limit + 1)) if limit is not None else list(errors)
    found = []
    for err in sorted(first, key=lambda e: [str(p) for p in e.absolute_path]):
        if err.validator in ("oneOf", "anyOf") and err.context:  # which rule of the alternative that fits failed
            fitting = [e for e in err.context if not (e.validator == "type" and not e.relative_path)]
            err = best_match(fitting or err.context) or err
        path = [str(p) for p in err.absolute_path]
        if err.validator == "required" and isinstance(err.instance, dict):
            path.append(next((str(r) for r in err.validator_value if r not in err.instance), ""))
        field = ".".join(path) or "dữ liệu"
        label = LABELS.get(field) or LABELS.get(field.rsplit(".", 1)[-1]) or ""
        if err.validator == "required" or (err.validator in ("minItems", "minLength") and err.validator_value == 1):
            vi = f"Thiếu {label or 'giá trị'} (trường '{field}')"
        else:
            vi = f"Trường '{field}' " + _MESSAGES.get(str(err.validator), "không hợp lệ").format(v=err.validator_value)
        found.append({"path": "/" + "/".join(path), "message": err.message[:200], "message_vi": vi})
    return found


def command_from(command: type[Command], schema: str, body: dict[str, Any], **extra: Any) -> Command:
    """The command from ``body`` through the API's own checks: text, then the request schema ``schema``.

    The web forms build their commands here, so a form takes no value the API would refuse
    (one schema for both, issue 12); a refusal is a 400 naming the field.
    """
    check_body(schema, body)
    return command.from_body(body, **extra)


def check_body(schema: str, body: dict[str, Any]) -> None:
    """Raise :class:`engine.BadInput` (400) naming the first field of ``body`` the API would refuse."""
    textcheck.check(body)
    most = int(current_app.config.get("MAX_VALIDATION_ERRORS", 20)) if has_app_context() else 20
    problems = _validation_errors(schema, body, most)  # bounded: a form of 80,000 empty items stops at the cap
    if problems:
        first = problems[0]
        field = first["path"].strip("/").replace("/", ".") or "dữ liệu"
        raise BadInput(f"{first['message_vi']}; không có gì được ghi.", field=field, errors=problems)


IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PARAM = {
    "name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY, "pattern": "^[!-~]+$"},
    "description": "Khóa do máy khách tạo (ví dụ UUID) để gửi lại an toàn: cùng khóa và cùng nội dung trong 24 giờ "
                   "được trả lại đúng câu trả lời đầu tiên, không tạo hồ sơ thứ hai; cùng khóa, nội dung khác: 422.",
}


def _answer(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    code = status
    if isinstance(result, tuple):
        result, code = result
    response = jsonify(result)
    response.status_code = code
    return response


def _once(run: Callable[[], Response], body: Any) -> Response:
    """Run a creating request once per ``Idempotency-Key`` of its user (``engine/storage/idempotency.py``)."""
    key = request.headers[IDEMPOTENCY_HEADER]
    if not 0 < len(key) <= idempotency.MAX_KEY or not all("!" <= ch <= "~" for ch in key):
        return error_response("invalid_parameter", f"{IDEMPOTENCY_HEADER} phải gồm 1 đến {idempotency.MAX_KEY} "
                              "ký tự ASCII in được (ví dụ một UUID).", {"parameter": IDEMPOTENCY_HEADER})
    svc, user = services(), g.user.id
    digest = idempotency.fingerprint(request.method, request.path, body)
    stored = idempotency.reserve(svc.sessions, user, key, digest, svc.now())
    if stored is not None:
        if stored.fingerprint != digest:
            return error_response("idempotency_conflict", None, {"parameter": IDEMPOTENCY_HEADER})
        if stored.status is None:
            return error_response("conflict", "Yêu cầu đầu tiên với khóa Idempotency-Key này đang được xử lý; "
                                  "hãy thử lại sau giây lát.", {"parameter": IDEMPOTENCY_HEADER})
        replay = jsonify(stored.response)
        replay.status_code = stored.status
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    try:
        try:
            response = run()
        except DomainError as exc:  # an answer too (a refusal is the same on a retry)
            response = from_domain(exc)
    except BaseException:
        idempotency.forget(svc.sessions, user, key)
        raise
    if response.status_code >= 500 or response.status_code == 409:  # nothing saved, and a retry may succeed
        idempotency.forget(svc.sessions, user, key)
    else:
        idempotency.finish(svc.sessions, user, key, response.status_code, response.get_json())
    return response


def operation(bp: Blueprint, method: str, path: str, *, summary: str, tag: str, body: str | None = None,
              response: str | None = None, status: int = 200, auth: bool = True,
              query: list[dict[str, Any]] | None = None, errors: tuple[str, ...] = (),
              description: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if auth:
                user = load_bearer_user()
                if user is None:
                    return error_response("unauthorized")
                g.user = user
            # Ids are range-checked by the <id:...> converter, NUL and broken text in the URL refused by
            # api.params.refuse_bad_text (404 / 400) before this runs.
            if body is not None:
                too_deep = json_depth_problem(body_bytes())
                if too_deep:
                    return error_response("bad_request", too_deep)
                data = request.get_json(silent=True)
                if data is None and request.content_length in (None, 0) and not request.data:
                    data = {}
                if not isinstance(data, dict):
                    return error_response("bad_request")
                textcheck.check(data)  # 400 invalid_text naming the field: before the schema, before any command
                most = int(current_app.config["MAX_VALIDATION_ERRORS"])
                problems = _validation_errors(body, data, most)
                if problems:
                    stopped = len(problems) > most
                    problems = problems[:most]
                    first = problems[0]
                    message = f"Dữ liệu không hợp lệ: {first['message_vi']} ({first['message']})."
                    if stopped:
                        message += f" (dừng kiểm tra sau {most} lỗi)"
                    return error_response("validation_error", message, {"errors": problems, "truncated": stopped})
                kwargs["body"] = data
            if status == 201 and auth and request.headers.get(IDEMPOTENCY_HEADER) is not None:
                return _once(lambda: _answer(view(*args, **kwargs), status), kwargs.get("body"))
            return _answer(view(*args, **kwargs), status)

        endpoint = view.__name__
        bp.add_url_rule(_flask_rule(path), endpoint, wrapper, methods=[method])
        OPERATIONS.append(Operation(method.lower(), path, endpoint, summary, tag, body, response, status, auth,
                                    list(query or []), list(errors), description or (view.__doc__ or "").strip()))
        return wrapper

    return decorate


def _error_ref(code: str) -> dict[str, Any]:
    status, vi, en = CODES[code]
    return {"description": f"{code}: {vi} / {en}",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


# What any operation may answer, whatever it does: a malformed request or text no database keeps (400),
# a body too large (413), too many requests (429).
COMMON_ERRORS = ("bad_request", "invalid_text", "invalid_parameter", "payload_too_large", "too_many_requests")


def error_codes(op: Operation) -> list[str]:
    """Every error code ``op`` can answer: its own, the common ones, 401 when it needs a token, 404 when its
    path names something, 422 when it takes a body."""
    codes = list(COMMON_ERRORS)
    if op.auth:
        codes += ["unauthorized", "forbidden"]
    if "{" in op.path:
        codes.append("not_found")
    if op.body:
        codes.append("validation_error")
    if op.status == 201 and op.auth:
        codes += ["idempotency_conflict", "conflict"]  # a key reused for another body; its first request still running
    return list(dict.fromkeys([*codes, *op.errors]))


def error_responses(op: Operation) -> dict[int, dict[str, Any]]:
    """The document's error responses of ``op``, one per HTTP status (its codes named in the description)."""
    by_status: dict[int, list[str]] = {}
    for code in error_codes(op):
        by_status.setdefault(CODES[code][0], []).append(code)
    out = {}
    for http_status, names in sorted(by_status.items()):
        ref = _error_ref(names[0])
        ref["description"] = "; ".join(_error_ref(n)["description"] for n in names)
        if http_status == 429:
            ref["headers"] = {"Retry-After": {"description": "Số giây cần chờ / seconds to wait",
                                              "schema": {"type": "integer", "minimum": 1}}}
        out[http_status] = ref
    return out


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI 3.1 document of every registered operation."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        parameters = []
        for name in re.findall(r"\{(\w+)\}", op.path):
            kind = ({"type": "integer", "minimum": 1, "maximum": MAX_ID} if name in INT_PARAMS
                    else {"type": "string", "examples": STR_EXAMPLES.get(name, [])})
            parameters.append({"name": name, "in": "path", "required": True, "schema": kind,
                               "description": INT_PARAMS.get(name) or STR_PARAMS.get(name, name)})
        parameters.extend({**p, "schema": schemas.text_rules(copy.deepcopy(p["schema"]))} if "schema" in p else p
                          for p in op.query)  # query text: one line (api.params.refuse_bad_text)
        if op.status == 201 and op.auth:
            parameters.append(IDEMPOTENCY_PARAM)
        entry: dict[str, Any] = {
            "operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
            "responses": {},
        }
        if op.description:
            entry["description"] = op.description
        if parameters:
            entry["parameters"] = parameters
        if op.auth:
            entry["security"] = [{"bearerAuth": []}]
        else:
            entry["security"] = []
        if op.body:
            entry["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{op.body}"}}}}
        ok: dict[str, Any] = {"description": "OK"}
        if op.response:
            ok["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.response}"}}}
        entry["responses"][str(op.status)] = ok
        for http_status, ref in error_responses(op).items():
            entry["responses"][str(http_status)] = ref
        paths.setdefault(op.path, {})[op.method] = entry
    components = {name: schema for name, schema in schemas.REQUESTS.items()}
    components.update(schemas.RESPONSES)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MotCua REST API",
            "version": VERSION,
            "description": (
                "API của hệ thống một cửa MotCua: thủ tục, hồ sơ, việc cần xử lý, tra cứu công khai. "
                "Lỗi trả về JSON với mã ổn định (code), thông báo tiếng Việt (message) và tiếng Anh (message_en). "
                "Danh sách có phân trang (page, per_page)."
            ),
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": t} for t in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "Mã lấy từ POST /auth/token."}},
        },
    }
