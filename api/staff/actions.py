"""What staff do from the dossier page: claim and complete a step; supplement, refuse, withdraw, extend, return.

Each form becomes one engine command (the same classes the REST API builds
from its JSON bodies); a refusal by the engine comes back as a flash message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import flash, redirect, request, url_for

from engine import DomainError, InvalidCommand
from engine.commands import (
    AssignStep,
    ClaimTask,
    Command,
    CompleteStep,
    Extend,
    ReceiveSupplement,
    Refuse,
    ReturnResult,
    Withdraw,
)
from engine.labels import OUTCOMES

from ..auth import actor, login_required
from ..context import commands, tz
from ..rest.openapi import check_body, command_from
from .base import back, bp, fail, given, lines


@bp.post("/tasks/<id:task_id>/claim")
@login_required
def claim(task_id: int) -> Any:
    code = request.form.get("dossier", "")
    target = back(code) if code else url_for("staff.inbox")
    try:
        task = commands().handle(actor(), ClaimTask(task_id))
    except DomainError as exc:
        return fail(exc, target)
    flash(f"Đã nhận xử lý: {task.name}.", "success")
    return redirect(target)


@bp.post("/tasks/<id:task_id>/complete")
@login_required
def complete(task_id: int) -> Any:
    form = request.form
    code = form.get("dossier", "")
    outcome = form.get("outcome") or None
    body: dict[str, Any] = {"checkpoints": form.getlist("checkpoints"), **given(form, "note", "supplement_exception"),
                            "supplement_items": lines(form.get("supplement_items"))}
    body |= {k: v for k, v in (("outcome", outcome), ("assignee", form.get("assignee") or None),
                               ("expected_version", form.get("expected_version", type=int))) if v is not None}
    try:
        commands().handle(actor(), command_from(CompleteStep, "CompleteTask", body, task_id=task_id))
    except DomainError as exc:
        return fail(exc, back(code))
    flash(f"Đã ghi: {OUTCOMES.get(outcome or '', 'Hoàn thành')}.", "success")
    return redirect(back(code))


@bp.post("/tasks/<id:task_id>/assign")
@login_required
def assign(task_id: int) -> Any:
    code = request.form.get("dossier", "")
    try:
        task = commands().handle(actor(), AssignStep(task_id, request.form.get("assignee", ""),
                                                     **given(request.form, "note")))
    except DomainError as exc:
        return fail(exc, back(code))
    flash(f"Đã phân công '{task.name}' cho {task.claimed_by}.", "success")
    return redirect(back(code))


def _dossier_action(code: str, command: Callable[[], Command], done: str) -> Any:
    """Run the action's command (built by ``command``, through the API's schema: ``command_from``)."""
    try:
        commands().handle(actor(), command())
    except DomainError as exc:
        return fail(exc, back(code))
    flash(done, "success")
    return redirect(back(code))


@bp.post("/dossiers/<code>/supplement")
@login_required
def receive_supplement(code: str) -> Any:
    docs = [{"id": f"bosung_{i}", "name": name} for i, name in enumerate(lines(request.form.get("documents")), 1)]
    return _dossier_action(code, lambda: command_from(ReceiveSupplement, "SupplementReceipt",
                                                      {"documents": docs, **given(request.form, "note")}, code=code),
                           "Đã nhận hồ sơ bổ sung; thời hạn giải quyết được tính lại.")


@bp.post("/dossiers/<code>/refusal")
@login_required
def refuse(code: str) -> Any:
    return _dossier_action(code, lambda: command_from(Refuse, "Refusal", {"reasons": lines(request.form.get("reasons"))},
                                                      code=code),
                           "Đã từ chối giải quyết; kết quả chuyển Bộ phận Một cửa trả cho công dân.")


@bp.post("/dossiers/<code>/withdrawal")
@login_required
def withdraw(code: str) -> Any:
    return _dossier_action(code, lambda: command_from(Withdraw, "Withdrawal", given(request.form, "reason"), code=code),
                           "Đã dừng giải quyết hồ sơ theo yêu cầu rút hồ sơ.")


@bp.post("/dossiers/<code>/extension")
@login_required
def extend(code: str) -> Any:
    def command() -> Extend:
        raw = f"{request.form.get('new_date', '')}T{request.form.get('new_time') or '16:00'}"
        try:
            new_due = datetime.fromisoformat(raw).replace(tzinfo=tz())
        except ValueError:
            raise InvalidCommand("Ngày hẹn mới không hợp lệ.") from None
        body = {"new_due_at": new_due.isoformat(), **given(request.form, "reason")}
        check_body("Extension", body)  # the API's checks (its new_due_at is the command's new_due, a moment)
        return Extend(code, new_due, body["reason"])

    return _dossier_action(code, command, "Đã lập phiếu xin lỗi và hẹn lại ngày trả kết quả.")


@bp.post("/dossiers/<code>/return")
@login_required
def return_result(code: str) -> Any:
    return _dossier_action(code, lambda: command_from(ReturnResult, "ReturnResult", given(request.form, "note"), code=code),
                           "Đã trả kết quả cho công dân.")
