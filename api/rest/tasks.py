"""Tasks: the inbox sorted by urgency, claiming a step, completing it."""

from __future__ import annotations

from typing import Any

from flask import request

from engine import InvalidCommand
from engine import queries as q
from engine.commands import ClaimTask, CompleteStep
from engine.lifecycle import STATUSES
from engine.queries.inbox import CLAIMS

from .. import present
from ..auth import actor
from ..context import commands, services
from .base import ACTION_ERRORS, bp, paging, status_arg
from .openapi import operation
from .schemas import PAGINATION


@operation(bp, "GET", "/tasks", summary="Việc cần xử lý (hộp việc), xếp theo mức khẩn", tag="tasks",
           response="InboxPage", errors=("invalid_command",), query=[
               {"name": "scope", "in": "query", "schema": {"enum": sorted(CLAIMS), "default": "all"},
                "description": "mine: việc tôi đã nhận; unit: việc chưa ai nhận của đơn vị; all: cả hai."},
               {"name": "procedure", "in": "query", "schema": {"type": "string"}},
               {"name": "status", "in": "query", "schema": {"enum": list(STATUSES)}},
               *PAGINATION])
def inbox() -> Any:
    page, per_page = paging()
    scope = request.args.get("scope", "all")
    if scope not in CLAIMS:
        raise InvalidCommand("scope phải là all, mine hoặc unit.", parameter="scope")
    svc = services()
    now = svc.now()
    with svc.sessions() as session:
        result = q.inbox(session, actor(), scope=scope, procedure=request.args.get("procedure") or None,
                         status=status_arg(), page=page, per_page=per_page)
    for item in result.items:
        item["time_left"] = present.task_time_left(item["state"], item["due_at"], now, svc.calendar)
    return result.as_dict()


@operation(bp, "POST", "/tasks/{task_id}/claim", summary="Nhận xử lý một việc", tag="tasks", response="Task",
           errors=("forbidden", "not_found", "conflict", "invalid_command"))
def claim(task_id: int) -> Any:
    task = commands().handle(actor(), ClaimTask(task_id))
    return {"id": task.id, "step_id": task.step_id, "name": task.name, "kind": task.kind, "role": task.role,
            "agency_id": task.agency_id, "division": task.division, "state": task.state, "due_at": task.due_at,
            "claimed_by": task.claimed_by, "outcome": task.outcome, "checkpoints": task.checkpoints or []}


@operation(bp, "POST", "/tasks/{task_id}/complete", summary="Hoàn thành một bước (kết quả, nội dung kiểm tra)",
           tag="tasks", body="CompleteTask", response="Dossier", errors=ACTION_ERRORS,
           description="Gửi expected_version (hoặc header If-Match) là phiên bản hồ sơ đang xem: nếu người khác đã "
                       "cập nhật trước, trả 409 conflict và không ghi gì. Trả về hồ sơ với các bước (không kèm "
                       "danh sách phiếu: GET /dossiers/{ref}).")
def complete(task_id: int, body: dict[str, Any]) -> Any:
    if_match = request.headers.get("If-Match", "").strip('" ')
    version = q.numeric_id(if_match)
    if "expected_version" not in body and version is not None:
        body = {**body, "expected_version": version}
    dossier = commands().handle(actor(), CompleteStep.from_body(body, task_id=task_id))
    with services().sessions() as session:
        return q.dossier_summary(session, dossier)
