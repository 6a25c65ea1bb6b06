"""Dossiers: the list, one dossier and its log, and intake (receive, refuse to receive, incomplete at the desk)."""

from __future__ import annotations

from typing import Any

from flask import request

from engine import queries as q
from engine.commands import Receive, RefuseIntake, RequestSupplementAtIntake
from engine.lifecycle import STATUSES

from .. import params
from ..auth import actor
from ..context import commands, services
from .base import DOSSIER_ERRORS, bool_arg, bp, detail, paging, status_arg
from .openapi import operation
from .schemas import KEYSET, PAGINATION

_INTAKE_ERRORS = ("forbidden", "not_found", "invalid_command")


@operation(bp, "GET", "/dossiers", summary="Danh sách hồ sơ (lọc, phân trang theo con trỏ)", tag="dossiers", response="DossierPage",
           errors=("invalid_command",), query=[
               {"name": "status", "in": "query", "schema": {"enum": list(STATUSES)}},
               {"name": "procedure", "in": "query", "schema": {"type": "string"}, "description": "Mã thủ tục."},
               {"name": "q", "in": "query", "schema": {"type": "string"},
                "description": "Một phần mã hồ sơ hoặc tên người nộp (part of the code or of the applicant's name)."},
               {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
               *PAGINATION, *KEYSET])
def list_dossiers() -> Any:
    page, per_page = paging()
    overdue = bool_arg("overdue")
    with services().sessions() as session:
        result = q.dossiers(session, actor(), now=services().now(), status=status_arg(),
                            procedure=request.args.get("procedure") or None, q=request.args.get("q") or None,
                            overdue=overdue, page=page, per_page=per_page,
                            after=params.cursor_arg("after"), before=params.cursor_arg("before"))
    return result.as_dict()


@operation(bp, "GET", "/dossiers/{ref}", summary="Một hồ sơ theo ID hoặc mã", tag="dossiers", response="Dossier",
           errors=DOSSIER_ERRORS)
def get_dossier(ref: str) -> Any:
    with services().sessions() as session:
        return q.dossier_detail(session, actor(), ref, timeline=False)


@operation(bp, "GET", "/dossiers/{ref}/events", summary="Nhật ký xử lý hồ sơ (ai, khi nào, làm gì)", tag="dossiers",
           response="EventPage", errors=(*DOSSIER_ERRORS, "invalid_command"), query=list(PAGINATION))
def dossier_events(ref: str) -> Any:
    page, per_page = paging(50)
    with services().sessions() as session:
        found = q.dossier_detail(session, actor(), ref, timeline=True)
    items = found["events"]
    return q.Page(items[(page - 1) * per_page: page * per_page], page, per_page, len(items)).as_dict()


# ---------------------------------------------------------------------- intake

@operation(bp, "POST", "/dossiers", summary="Tiếp nhận hồ sơ (Mẫu 01)", tag="intake", body="ReceiveDossier",
           response="Dossier", status=201, errors=_INTAKE_ERRORS)
def receive_dossier(body: dict[str, Any]) -> Any:
    dossier = commands().handle(actor(), Receive.from_body(body))
    return detail(dossier.id), 201


@operation(bp, "POST", "/intake/refusals", summary="Từ chối tiếp nhận hồ sơ (Mẫu 03)", tag="intake",
           body="RefuseIntake", response="Dossier", status=201, errors=_INTAKE_ERRORS)
def refuse_intake(body: dict[str, Any]) -> Any:
    dossier = commands().handle(actor(), RefuseIntake.from_body(body))
    return detail(dossier.id), 201


@operation(bp, "POST", "/intake/supplement-requests", summary="Hồ sơ chưa đầy đủ: yêu cầu bổ sung khi tiếp nhận (Mẫu 02)",
           tag="intake", body="IntakeSupplement", response="Dossier", status=201, errors=_INTAKE_ERRORS)
def intake_supplement(body: dict[str, Any]) -> Any:
    dossier = commands().handle(actor(), RequestSupplementAtIntake.from_body(body))
    return detail(dossier.id), 201
