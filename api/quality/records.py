"""Nonconformities and corrective actions (ISO 9001 8.7, 10.2), internal audits (9.2), KPIs and
quality objectives (6.2, 9.1)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from engine import DomainError, NotFound, policy
from engine.quality import internal_audit, kpi, nonconformity, retention
from engine.quality import queries as qq
from engine.quality.conformance import KINDS, SEVERITIES
from engine.quality.models import InternalAudit, Nonconformity
from engine.quality.nonconformity import Move
from engine.storage.accounts import User
from engine.vocabulary import Role

from ..auth import actor
from ..context import now, services, today
from .base import bp, day, officer, period


def _fail(exc: DomainError, target: str) -> Any:
    flash(exc.message, "error")
    return redirect(target)


# ---------------------------------------------------------------------- nonconformities

@bp.get("/khong-phu-hop")
def nonconformities() -> Any:
    officer()
    state = request.args.get("state") or None
    state = state if state in nonconformity.STATES else None
    with services().sessions() as session:
        rows = qq.nonconformities(session, state)
        staff = session.query(User).filter(User.active.is_(True), User.role.notin_([Role.ADMINISTRATOR])).order_by(User.name).all()
        session.expunge_all()
    return render_template("quality/nonconformities.html", rows=rows, state=state, STATES=nonconformity.STATES,
                           SOURCES=nonconformity.SOURCES, SEVERITIES=SEVERITIES, staff=staff, today=today())


@bp.post("/khong-phu-hop")
def open_nonconformity() -> Any:
    officer()
    form = request.form
    svc = services()
    try:
        with svc.sessions() as session:
            if form.get("dossier_id") and form.get("index"):
                nc = nonconformity.from_deviation(session, actor(), now(), int(form["dossier_id"]), int(form["index"]))
            else:
                codes = [c.strip() for c in form.get("dossiers", "").replace(",", " ").split() if c.strip()]
                nc = nonconformity.open_record(session, actor(), now(), title=form.get("title", ""),
                                               source=form.get("source", "other"), description=form.get("description", ""),
                                               dossiers=codes, severity=form.get("severity", "major"))
            session.commit()
            record_id = nc.id
    except DomainError as exc:
        return _fail(exc, request.referrer or url_for("quality.nonconformities"))
    except ValueError:
        abort(400)
    flash(f"Đã ghi nhận điểm không phù hợp số {record_id}.", "success")
    return redirect(url_for("quality.nonconformity_page", record_id=record_id))


def _may_see(nc: Nonconformity) -> None:
    me = actor()
    if me.role not in policy.QUALITY and me.id != nc.owner:
        abort(403)


@bp.get("/khong-phu-hop/<id:record_id>")
def nonconformity_page(record_id: int) -> Any:
    with services().sessions() as session:
        nc = session.get(Nonconformity, record_id)
        if nc is None:
            raise NotFound(f"Không có điểm không phù hợp số {record_id}.")
        _may_see(nc)
        history = qq.record_history(session, "nonconformity", record_id)
        session.expunge(nc)
    return render_template("quality/nonconformity.html", nc=nc, history=history, STATES=nonconformity.STATES,
                           SOURCES=nonconformity.SOURCES, SEVERITIES=SEVERITIES, KINDS=KINDS,
                           moves=nonconformity.allowed_moves(nc.state), officer=actor().role in policy.QUALITY)


@bp.post("/khong-phu-hop/<id:record_id>/<move>")
def nonconformity_move(record_id: int, move: str) -> Any:
    form = request.form
    target = url_for("quality.nonconformity_page", record_id=record_id)
    data = Move(cause=form.get("cause", ""), correction=form.get("correction", ""),
                corrective_action=form.get("corrective_action", ""), owner=form.get("owner", ""),
                due_date=day("due_date"), verification=form.get("verification", ""), reason=form.get("reason", ""))
    try:
        with services().sessions() as session:
            nonconformity.move(session, actor(), now(), record_id, move, data)
            session.commit()
    except DomainError as exc:
        return _fail(exc, target)
    flash("Đã cập nhật điểm không phù hợp.", "success")
    return redirect(target)


# ---------------------------------------------------------------------- internal audits

@bp.get("/danh-gia-noi-bo")
def audits() -> Any:
    officer()
    with services().sessions() as session:
        rows = qq.audits(session)
        session.expunge_all()
    return render_template("quality/audits.html", rows=rows, STATES=internal_audit.STATES, today=today())


@bp.post("/danh-gia-noi-bo")
def plan_audit() -> Any:
    officer()
    form = request.form
    start, end = day("period_from"), day("period_to")
    if start is None or end is None:
        flash("Hãy nhập kỳ đánh giá (từ ngày, đến ngày) dạng năm-tháng-ngày.", "error")
        return redirect(url_for("quality.audits"))
    try:
        per = int(form.get("per_procedure") or 5)
        with services().sessions() as session:
            audit = internal_audit.plan(session, actor(), now(), title=form.get("title", ""), period_from=start, period_to=end,
                                        procedures=[c for c in form.get("procedures", "").replace(",", " ").split() if c],
                                        per_procedure=per)
            session.commit()
            audit_id = audit.id
    except DomainError as exc:
        return _fail(exc, url_for("quality.audits"))
    except ValueError:
        flash("Số hồ sơ mẫu mỗi thủ tục phải là số nguyên.", "error")
        return redirect(url_for("quality.audits"))
    return redirect(url_for("quality.audit_page", audit_id=audit_id))


@bp.get("/danh-gia-noi-bo/<id:audit_id>")
def audit_page(audit_id: int) -> Any:
    officer()
    with services().sessions() as session:
        audit = session.get(InternalAudit, audit_id)
        if audit is None:
            raise NotFound(f"Không có cuộc đánh giá nội bộ số {audit_id}.")
        rows = qq.samples(session, audit_id)
        session.expunge_all()
    return render_template("quality/audit.html", audit=audit, rows=rows, STATES=internal_audit.STATES)


@bp.post("/danh-gia-noi-bo/<id:audit_id>/chon-mau")
def sample_audit(audit_id: int) -> Any:
    officer()
    raw = (request.form.get("seed") or "").strip()
    target = url_for("quality.audit_page", audit_id=audit_id)
    if raw and not raw.isdigit():
        flash("Hạt giống phải là số nguyên dương (để trống: hệ thống tự chọn và ghi lại).", "error")
        return redirect(target)
    try:
        with services().sessions() as session:
            audit = internal_audit.sample(services(), session, actor(), now(), audit_id, int(raw) if raw else None)
            session.commit()
            seed = audit.seed
    except DomainError as exc:
        return _fail(exc, target)
    flash(f"Đã chọn mẫu với hạt giống {seed}.", "success")
    return redirect(target)


@bp.post("/mau/<id:sample_id>")
def sample_finding(sample_id: int) -> Any:
    officer()
    form = request.form
    try:
        with services().sessions() as session:
            row = internal_audit.finding(session, actor(), now(), sample_id, form.get("finding", ""),
                                         form.get("nonconforming") == "1")
            session.commit()
            audit_id = row.audit_id
    except DomainError as exc:
        return _fail(exc, request.referrer or url_for("quality.audits"))
    flash("Đã ghi kết quả đánh giá.", "success")
    return redirect(url_for("quality.audit_page", audit_id=audit_id))


# ---------------------------------------------------------------------- KPIs

@bp.get("/chi-tieu")
def kpis() -> Any:
    officer()
    svc = services()
    p = period()
    start = p.date_from or today().replace(day=1)
    end = p.date_to or today()
    procedure = request.args.get("procedure") or None
    with svc.sessions() as session:
        measures = kpi.measure(session, svc, start, end, procedure)
    return render_template("quality/kpis.html", measures=measures, start=start, end=end, procedure=procedure,
                           METRICS=kpi.METRICS)


@bp.post("/chi-tieu")
def set_target() -> Any:
    officer()
    form = request.form
    try:
        value = float((form.get("target") or "").replace(",", "."))
    except ValueError:
        flash("Mục tiêu phải là một số.", "error")
        return redirect(url_for("quality.kpis"))
    try:
        with services().sessions() as session:
            kpi.set_target(session, actor(), now(), form.get("metric", ""), value,
                           (form.get("procedure_code") or "").strip(), (form.get("division") or "").strip())
            session.commit()
    except DomainError as exc:
        return _fail(exc, url_for("quality.kpis"))
    flash("Đã lưu mục tiêu chất lượng.", "success")
    return redirect(url_for("quality.kpis"))


# ---------------------------------------------------------------------- retention

@bp.get("/luu-tru")
def retention_page() -> Any:
    officer()
    svc = services()
    tz = svc.calendar.tz
    with svc.sessions() as session:
        report = retention.due(session, today(), tz, svc.settings.workflows_dir)
    return render_template("quality/retention.html", report=report)


__all__ = ["period"]
