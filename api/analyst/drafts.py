"""Drafts: edit a definition (YAML) or draw its route (bpmn-js modeller), validate, save, dry-run and publish."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from engine.decisions import drafts as engine_drafts
from engine.definitions.catalog import yaml_dump
from engine.definitions.drawn import adopt_drawing
from engine.definitions.source import SourceError, load_located
from engine.errors import DomainError, InvalidCommand
from engine.queries import catalogue as queries

from ..auth import actor
from ..context import services, today
from .base import bp

BLANK = """code: "9.999999"
name: Tên thủ tục
field: bao-tro-xa-hoi
level: province
agency: cb-so-y-te
deadline: {working_days: 10}
route:
  - {id: intake, kind: intake, role: one_stop, allowance: {working_days: 0.5}}
  - {id: appraise, role: specialist, allowance: {working_days: 9.5}}
"""


def _starting_point(code: str | None) -> tuple[str, str | None]:
    """The YAML and BPMN of the latest version of ``code`` (a blank definition for a new code)."""
    if not code:
        return BLANK, None
    with services().sessions() as session:
        try:
            latest = queries.versions(session, code)[-1]
        except DomainError:
            return BLANK.replace("9.999999", code), None
        return yaml_dump(latest.definition), latest.bpmn_xml


def _with_drawing(text: str, xml: str | None) -> tuple[str, list[str]]:
    """When the diagram was changed in the modeller, the route becomes the drawing (the steps matched by id)."""
    if not xml or request.form.get("diagram_edited") != "1":
        return text, []
    try:
        data = load_located(text, "định nghĩa").data
    except SourceError:
        return text, []
    if not isinstance(data, dict):
        return text, []
    adopted, notes = adopt_drawing(data, xml, services().settings.bpmn_limits)
    return (yaml_dump(adopted) if adopted is not data else text), notes


def _drawn(text: str) -> bool:
    """Whether the definition's route is a drawn one (``route: {bpmn: ..., steps: ...}``)."""
    try:
        data = load_located(text, "định nghĩa").data
    except SourceError:
        return False
    return isinstance(data, dict) and isinstance(data.get("route"), dict) and "bpmn" in data["route"]


def _editor(code: str, text: str, xml: str | None, draft: Any = None, checked: Any = None, status: int = 200) -> Any:
    return render_template("analyst/editor.html", code=code, text=text, bpmn_xml=xml or "", draft=draft,
                           checked=checked), status


@bp.get("/ban-nhap/moi")
def new_draft() -> Any:
    code = (request.args.get("code") or "").strip()
    text, xml = _starting_point(code)
    return _editor(code or "9.999999", text, xml)


@bp.get("/ban-nhap/<id:draft_id>")
def edit_draft(draft_id: int) -> Any:
    row = engine_drafts.draft(services(), draft_id)
    with services().sessions() as session:
        checked = engine_drafts.check_draft(session, row.text, row.bpmn_xml, f"{row.code}.yaml", services().settings.bpmn_limits)
    return _editor(row.code, row.text, row.bpmn_xml, row, checked)


@bp.post("/ban-nhap")
@bp.post("/ban-nhap/<id:draft_id>")
def save_draft(draft_id: int | None = None) -> Any:
    form = request.form
    code = (form.get("code") or "").strip()
    xml = form.get("bpmn_xml") or None
    text, notes = _with_drawing(form.get("text") or "", xml)
    for note in notes:
        flash(note, "info")
    if not _drawn(text):
        xml = None  # a YAML route keeps no drawing: its diagram is compiled from the steps
    if form.get("action") == "validate":
        with services().sessions() as session:
            checked = engine_drafts.check_draft(session, text, xml, f"{code}.yaml", services().settings.bpmn_limits)
        draft = engine_drafts.draft(services(), draft_id) if draft_id else None
        return _editor(code, text, xml, draft, checked, 200 if not checked.errors else 422)
    try:
        row, checked = engine_drafts.save_draft(services(), actor(), code, text, xml, draft_id)
    except InvalidCommand as exc:
        flash(exc.message, "error")
        return _editor(code, text, xml, None, None, 422)
    errors = len(checked.errors)
    flash(f"Đã lưu bản nháp #{row.id}" + (f"; còn {errors} lỗi cần sửa trước khi công bố." if errors else "; không có lỗi."),
          "error" if errors else "info")
    return redirect(url_for("analyst.edit_draft", draft_id=row.id))


@bp.get("/ban-nhap/<id:draft_id>/cong-bo")
def publish_form(draft_id: int) -> Any:
    row = engine_drafts.draft(services(), draft_id)
    plan = engine_drafts.dry_run(services(), draft_id)
    return render_template("analyst/publish.html", draft=row, plan=plan, today=today())


def _day(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name) or "")
    except ValueError:
        raise InvalidCommand(f"Ngày không hợp lệ ({name}): ghi theo dạng năm-tháng-ngày.") from None


@bp.post("/ban-nhap/<id:draft_id>/cong-bo")
def publish(draft_id: int) -> Any:
    form = request.form
    try:
        plan = engine_drafts.publish(
            services(), actor(), draft_id, number=form.get("number", ""), title=form.get("title", ""),
            issuer=form.get("issuer", ""), signed=_day("signed"), effective=_day("effective"),
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("analyst.publish_form", draft_id=draft_id))
    flash(f"Đã công bố phiên bản {plan.version} của thủ tục {plan.code} theo quyết định {form.get('number')}; "
          f"{len(plan.in_progress)} hồ sơ đang giải quyết giữ phiên bản cũ.", "info")
    return redirect(url_for("analyst.procedure", code=plan.code))
