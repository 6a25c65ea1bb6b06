"""The quality officer's REST operations (issue 10), the same as the workbench's pages: conformance
(overview, a dossier's check), deviations, nonconformities and their moves, internal audits and
their sample, KPIs and targets, the audit log and its exports, the integrity check."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Response, request
from jsonschema import Draft202012Validator

from engine import InvalidCommand, NotFound, policy
from engine.quality import checks, export, integrity, internal_audit, kpi, nonconformity, retention
from engine.quality import queries as qq
from engine.quality.conformance import KINDS, check_dossier
from engine.quality.models import InternalAudit, Nonconformity

from ..auth import actor
from ..context import services
from ..quality.folder import audit_folder
from . import openapi, schemas
from .base import bp, int_arg
from .openapi import operation

_DATE = {"type": "string", "format": "date"}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}
_OPT = {"type": "string", "maxLength": 2000}
REQUESTS: dict[str, dict[str, Any]] = {
    "NonconformityRequest": {
        "type": "object", "additionalProperties": False,
        "description": "Ghi nhận bằng tay (title, source) hoặc từ một sai lệch (dossier, deviation: số thứ tự từ 0).",
        "properties": {
            "title": {"type": "string", "maxLength": 300}, "source": {"enum": list(nonconformity.SOURCES)},
            "description": _OPT, "severity": {"enum": ["major", "minor"]},
            "dossiers": {"type": "array", "items": {"type": "string", "maxLength": 60}, "maxItems": 50},
            "dossier": {"type": "string", "minLength": 1, "maxLength": 60},
            "deviation": {"type": "integer", "minimum": 0, "maximum": 1000},
        },
    },
    "NonconformityMove": {
        "type": "object", "additionalProperties": False,
        "properties": {"cause": _OPT, "correction": _OPT, "corrective_action": _OPT, "owner": {"type": "string", "maxLength": 80},
                       "due_date": _DATE, "verification": _OPT, "reason": _OPT},
    },
    "AuditPlanRequest": {
        "type": "object", "additionalProperties": False, "required": ["title", "period_from", "period_to"],
        "properties": {"title": _TEXT, "period_from": _DATE, "period_to": _DATE,
                       "procedures": {"type": "array", "items": {"type": "string", "maxLength": 20}, "maxItems": 200},
                       "per_procedure": {"type": "integer", "minimum": 1, "maximum": 100}},
    },
    "AuditSampleRequest": {
        "type": "object", "additionalProperties": False,
        "properties": {"seed": {"type": "integer", "minimum": 1, "maximum": 2147483647}},
    },
    "TargetRequest": {
        "type": "object", "additionalProperties": False, "required": ["metric", "target"],
        "properties": {"metric": {"enum": list(kpi.METRICS)}, "target": {"type": "number", "minimum": 0, "maximum": 1000},
                       "procedure_code": {"type": "string", "maxLength": 20}, "division": {"type": "string", "maxLength": 80}},
    },
}
_OBJECT = {"type": "object"}
RESPONSES: dict[str, dict[str, Any]] = {
    "QualityList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": _OBJECT}}},
    "QualityObject": _OBJECT,
}
# The REST document and the body validation read these registries (api/rest/openapi.py).
schemas.REQUESTS.update({name: schemas.text_rules(schema) for name, schema in REQUESTS.items()})
schemas.RESPONSES.update(RESPONSES)
openapi.VALIDATORS.update({name: Draft202012Validator(schema) for name, schema in REQUESTS.items()})
openapi.INT_PARAMS.update({"record_id": "Số của điểm không phù hợp.", "audit_id": "Số của cuộc đánh giá nội bộ."})

_PERIOD = [
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "Từ ngày (YYYY-MM-DD)."},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "Đến ngày (YYYY-MM-DD)."},
]
_ERRORS = ("forbidden", "invalid_command")


def _officer() -> None:
    policy.require_quality(actor(), "xem hồ sơ chất lượng")


def _date(name: str) -> date | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise InvalidCommand(f"Tham số '{name}' phải là ngày dạng YYYY-MM-DD.", parameter=name) from None


def _period() -> qq.Period:
    return qq.Period(_date("from"), _date("to"))


def _text(name: str) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value[:120] or None


def _nc(nc: Nonconformity) -> dict[str, Any]:
    return {c: getattr(nc, c) for c in ("id", "source", "title", "description", "dossiers", "step", "deviation_kind", "evidence",
                                         "severity", "state", "cause", "correction", "corrective_action", "owner", "due_date",
                                         "verification", "effective", "audit_id", "created_by", "created_at", "closed_at")} | {
        "state_label": nonconformity.STATES[nc.state], "moves": nonconformity.allowed_moves(nc.state)}


@operation(bp, "GET", "/quality/conformance", summary="Sự phù hợp theo thủ tục hoặc cơ quan", tag="quality",
           response="QualityList", errors=_ERRORS, query=[*_PERIOD, {"name": "by", "in": "query",
                                                                    "schema": {"enum": ["procedure", "agency"]}}])
def quality_overview() -> Any:
    _officer()
    svc = services()
    by = request.args.get("by") or "procedure"
    if by not in ("procedure", "agency"):
        raise InvalidCommand("by phải là procedure hoặc agency.", parameter="by")
    with svc.sessions() as session:
        return {"items": qq.overview(session, _period(), svc.calendar.tz, by)}


@operation(bp, "GET", "/quality/deviations", summary="Các sai lệch trong kỳ", tag="quality", response="QualityList",
           errors=_ERRORS, query=[*_PERIOD, {"name": "kind", "in": "query", "schema": {"enum": list(KINDS)}}])
def quality_deviations() -> Any:
    _officer()
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise InvalidCommand(f"Loại sai lệch không hợp lệ '{kind}'.", parameter="kind")
    svc = services()
    with svc.sessions() as session:
        return {"items": qq.deviations(session, _period(), svc.calendar.tz, kind)}


def _dossier(session: Any, ref: str) -> Any:
    dossier = qq.dossier_by_ref(session, ref[:60])
    if dossier is None:
        raise NotFound(f"Không có hồ sơ '{ref[:60]}'.")
    return dossier


@operation(bp, "GET", "/quality/dossiers/{ref}", summary="Kiểm tra sự phù hợp của một hồ sơ (ngay lúc này)", tag="quality",
           response="QualityObject", errors=("forbidden", "not_found"))
def quality_dossier(ref: str) -> Any:
    _officer()
    svc = services()
    with svc.sessions() as session:
        dossier = _dossier(session, ref)
        return check_dossier(svc, session, dossier).as_dict()


@operation(bp, "POST", "/quality/dossiers/{ref}/check", summary="Kiểm tra và lưu kết quả", tag="quality",
           response="QualityObject", errors=("forbidden", "not_found"))
def quality_check(ref: str) -> Any:
    _officer()
    svc = services()
    with svc.sessions() as session:
        dossier = _dossier(session, ref)
        code = dossier.code
    return checks.run_code(svc, code, "demand").as_dict()


@operation(bp, "GET", "/quality/nonconformities", summary="Điểm không phù hợp", tag="quality", response="QualityList",
           errors=_ERRORS, query=[{"name": "state", "in": "query", "schema": {"enum": list(nonconformity.STATES)}}])
def quality_nonconformities() -> Any:
    _officer()
    state = request.args.get("state") or None
    if state is not None and state not in nonconformity.STATES:
        raise InvalidCommand(f"Tình trạng không hợp lệ '{state}'.", parameter="state")
    with services().sessions() as session:
        return {"items": [_nc(n) for n in qq.nonconformities(session, state)]}


@operation(bp, "POST", "/quality/nonconformities", summary="Ghi nhận điểm không phù hợp", tag="quality",
           body="NonconformityRequest", response="QualityObject", status=201, errors=("forbidden", "not_found", "invalid_command"))
def quality_open(body: dict[str, Any]) -> Any:
    svc = services()
    with svc.sessions() as session:
        if "dossier" in body:
            dossier = qq.dossier_by_ref(session, body["dossier"])
            if dossier is None:
                raise NotFound(f"Không có hồ sơ '{body['dossier']}'.")
            nc = nonconformity.from_deviation(session, actor(), svc.now(), dossier.id, int(body.get("deviation", 0)))
        else:
            nc = nonconformity.open_record(session, actor(), svc.now(), title=body.get("title", ""), source=body.get("source", "other"),
                                           description=body.get("description", ""), dossiers=body.get("dossiers", []),
                                           severity=body.get("severity", "major"))
        session.commit()
        return _nc(nc), 201


@operation(bp, "POST", "/quality/nonconformities/{record_id}/{move}", summary="Một bước của điểm không phù hợp",
           tag="quality", body="NonconformityMove", response="QualityObject",
           errors=("forbidden", "not_found", "illegal_transition", "invalid_command"))
def quality_move(record_id: int, move: str, body: dict[str, Any]) -> Any:
    try:
        due = date.fromisoformat(body["due_date"]) if body.get("due_date") else None
    except ValueError:
        raise InvalidCommand("due_date phải là ngày dạng YYYY-MM-DD.", parameter="due_date") from None
    data = nonconformity.Move(cause=body.get("cause", ""), correction=body.get("correction", ""),
                              corrective_action=body.get("corrective_action", ""), owner=body.get("owner", ""), due_date=due,
                              verification=body.get("verification", ""), reason=body.get("reason", ""))
    svc = services()
    with svc.sessions() as session:
        nc = nonconformity.move(session, actor(), svc.now(), record_id, move[:40], data)
        session.commit()
        return _nc(nc)


@operation(bp, "GET", "/quality/audits", summary="Các cuộc đánh giá nội bộ", tag="quality", response="QualityList",
           errors=("forbidden",))
def quality_audits() -> Any:
    _officer()
    with services().sessions() as session:
        return {"items": [_audit(a) for a in qq.audits(session)]}


def _audit(a: InternalAudit, samples: list[Any] | None = None) -> dict[str, Any]:
    out = {c: getattr(a, c) for c in ("id", "title", "period_from", "period_to", "procedures", "per_procedure", "auditor",
                                       "planned_on", "seed", "state")}
    if samples is not None:
        out["samples"] = [{"id": s.id, "code": s.code, "procedure_code": s.procedure_code, "checklist": s.checklist,
                           "finding": s.finding, "nonconformity_id": s.nonconformity_id} for s in samples]
    return out


@operation(bp, "POST", "/quality/audits", summary="Lập kế hoạch đánh giá nội bộ", tag="quality", body="AuditPlanRequest",
           response="QualityObject", status=201, errors=_ERRORS)
def quality_plan(body: dict[str, Any]) -> Any:
    svc = services()
    try:
        start, end = date.fromisoformat(body["period_from"]), date.fromisoformat(body["period_to"])
    except ValueError:
        raise InvalidCommand("Kỳ đánh giá phải là ngày dạng YYYY-MM-DD.") from None
    with svc.sessions() as session:
        audit = internal_audit.plan(session, actor(), svc.now(), title=body["title"], period_from=start, period_to=end,
                                    procedures=body.get("procedures", []), per_procedure=body.get("per_procedure", 5))
        session.commit()
        return _audit(audit, []), 201


@operation(bp, "POST", "/quality/audits/{audit_id}/sample", summary="Chọn mẫu (hạt giống được ghi lại)", tag="quality",
           body="AuditSampleRequest", response="QualityObject", errors=("forbidden", "not_found", "invalid_command"))
def quality_sample(audit_id: int, body: dict[str, Any]) -> Any:
    svc = services()
    with svc.sessions() as session:
        audit = internal_audit.sample(svc, session, actor(), svc.now(), audit_id, body.get("seed"))
        session.commit()
        return _audit(audit, qq.samples(session, audit_id))


@operation(bp, "GET", "/quality/audits/{audit_id}", summary="Một cuộc đánh giá nội bộ và mẫu của nó", tag="quality",
           response="QualityObject", errors=("forbidden", "not_found"))
def quality_audit(audit_id: int) -> Any:
    _officer()
    with services().sessions() as session:
        audit = session.get(InternalAudit, audit_id)
        if audit is None:
            raise NotFound(f"Không có cuộc đánh giá nội bộ số {audit_id}.")
        return _audit(audit, qq.samples(session, audit_id))


@operation(bp, "GET", "/quality/kpi", summary="Chỉ tiêu chất lượng theo tháng, so với mục tiêu", tag="quality",
           response="QualityList", errors=_ERRORS, query=[*_PERIOD, {"name": "procedure", "in": "query", "schema": {"type": "string"}}])
def quality_kpi() -> Any:
    _officer()
    svc = services()
    today = svc.now().astimezone(svc.calendar.tz).date()
    start, end = _date("from") or today.replace(day=1), _date("to") or today
    with svc.sessions() as session:
        return {"items": [m.as_dict() for m in kpi.measure(session, svc, start, end, _text("procedure"))]}


@operation(bp, "PUT", "/quality/targets", summary="Đặt mục tiêu chất lượng", tag="quality", body="TargetRequest",
           response="QualityObject", errors=_ERRORS)
def quality_target(body: dict[str, Any]) -> Any:
    svc = services()
    with svc.sessions() as session:
        row = kpi.set_target(session, actor(), svc.now(), body["metric"], float(body["target"]),
                             body.get("procedure_code", "").strip(), body.get("division", "").strip())
        session.commit()
        return {"metric": row.metric, "procedure_code": row.procedure_code, "division": row.division, "target": row.target}


_LOG_QUERY = [*_PERIOD, {"name": "dossier", "in": "query", "schema": {"type": "string"}},
              {"name": "actor", "in": "query", "schema": {"type": "string"}},
              {"name": "action", "in": "query", "schema": {"type": "string"}}]


def _filter() -> qq.EventFilter:
    return qq.EventFilter(dossier=_text("dossier"), actor=_text("actor"), action=_text("action"), period=_period())


@operation(bp, "GET", "/quality/events", summary="Nhật ký kiểm toán (lọc; mới nhất trước)", tag="quality",
           response="QualityList", errors=_ERRORS,
           query=[*_LOG_QUERY, {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}])
def quality_events() -> Any:
    _officer()
    limit = int_arg("limit", 100)
    if not 1 <= limit <= 500:
        raise InvalidCommand("limit phải từ 1 đến 500.", parameter="limit")
    before = int_arg("before", 0) or None
    if before is not None and not 1 <= before <= 2**31 - 1:
        raise InvalidCommand("before phải là số sự kiện hợp lệ.", parameter="before")
    svc = services()
    with svc.sessions() as session:
        return {"items": qq.events(session, _filter(), svc.calendar.tz, before_id=before, limit=limit)}


@operation(bp, "GET", "/quality/export/{fmt}", summary="Xuất nhật ký cho khai phá quy trình: xes hoặc ocel", tag="quality",
           errors=("forbidden", "not_found", "invalid_command"), query=_LOG_QUERY)
def quality_export(fmt: str) -> Any:
    _officer()
    if fmt not in ("xes", "ocel"):
        raise NotFound(f"Không có định dạng '{fmt[:20]}' (có: xes, ocel).")
    svc = services()
    f = _filter()
    with svc.sessions() as session:
        if fmt == "xes":
            text = "".join(export.xes(session, f, svc.calendar.tz, export.step_names(session)))
            return Response(text, mimetype="application/xml")
        return Response(json.dumps(export.ocel(session, f, svc.calendar.tz), ensure_ascii=False), mimetype="application/json")


@operation(bp, "GET", "/quality/integrity", summary="Kiểm tra toàn vẹn nhật ký (chuỗi, hồ sơ, cây Merkle)", tag="quality",
           response="QualityObject", errors=("forbidden",))
def quality_integrity() -> Any:
    _officer()
    svc = services()
    with svc.sessions() as session:
        problems = list(integrity.verify(session, audit_folder()))
    return {"intact": not any(p.broken for p in problems),
            "problems": [{"check": p.check, "message": p.message, "broken": p.broken, "event_id": p.event_id} for p in problems]}


@operation(bp, "GET", "/quality/retention", summary="Thời hạn lưu và hồ sơ đến hạn chuyển lưu trữ (không xóa gì)",
           tag="quality", response="QualityList", errors=("forbidden",))
def quality_retention() -> Any:
    _officer()
    svc = services()
    tz = svc.calendar.tz
    with svc.sessions() as session:
        report = retention.due(session, svc.now().astimezone(tz).date(), tz, svc.settings.workflows_dir)
    return {"items": [{"kind": d.period.kind, "label": d.period.label, "years": d.period.years, "source": d.period.source,
                       "counted_from": d.period.after, "due": d.count, "oldest": d.oldest, "first": d.items} for d in report]}
