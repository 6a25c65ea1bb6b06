"""Conformance pages (ISO 9001 8.5, 9.1): the overview per procedure and per agency, the drill-down
to dossiers and their deviations with the evidence events, a dossier's check on demand, and the
integrity of the record (7.5)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from engine import NotFound
from engine.quality import anchor, checks, heads, integrity
from engine.quality import queries as qq
from engine.quality.conformance import KINDS, SEVERITIES, check_dossier

from ..context import services
from .base import bp, officer, period
from .folder import audit_folder


@bp.get("/")
def overview() -> Any:
    officer()
    by = "agency" if request.args.get("theo") == "co-quan" else "procedure"
    svc = services()
    with svc.sessions() as session:
        rows = qq.overview(session, period(), svc.calendar.tz, by)
        kinds = qq.kind_counts(session, period(), svc.calendar.tz)
    return render_template("quality/overview.html", rows=rows, by=by, kinds=kinds, p=period(), KINDS=KINDS)


@bp.get("/ho-so")
def drill() -> Any:
    officer()
    svc = services()
    procedure, agency = request.args.get("procedure") or None, request.args.get("agency") or None
    kind = request.args.get("kind") or None
    kind = kind if kind in KINDS else None
    with svc.sessions() as session:
        rows = qq.checked_dossiers(session, period(), svc.calendar.tz, procedure=procedure, agency=agency, kind=kind)
    return render_template("quality/drill.html", rows=rows, procedure=procedure, agency=agency, kind=kind, p=period(),
                           KINDS=KINDS, SEVERITIES=SEVERITIES)


@bp.get("/sai-lech")
def deviation_list() -> Any:
    officer()
    svc = services()
    kind = request.args.get("kind") or None
    kind = kind if kind in KINDS else None
    with svc.sessions() as session:
        rows = qq.deviations(session, period(), svc.calendar.tz, kind)
        kinds = qq.kind_counts(session, period(), svc.calendar.tz)
    return render_template("quality/deviations.html", rows=rows, kind=kind, kinds=kinds, p=period(), KINDS=KINDS,
                           SEVERITIES=SEVERITIES)


@bp.get("/ho-so/<code>")
def dossier(code: str) -> Any:
    """A dossier's conformance, checked now against its pinned version (read-only until saved)."""
    officer()
    svc = services()
    with svc.sessions() as session:
        row = qq.dossier_by_ref(session, code)
        if row is None:
            raise NotFound(f"Không có hồ sơ mã {code}.")
        report = check_dossier(svc, session, row)
        events = {e["id"]: e for e in qq.events(session, qq.EventFilter(dossier=row.code), svc.calendar.tz, limit=1000)}
    return render_template("quality/dossier.html", report=report, events=events, KINDS=KINDS, SEVERITIES=SEVERITIES)


@bp.post("/ho-so/<code>/kiem-tra")
def check_now(code: str) -> Any:
    officer()
    report = checks.run_code(services(), code, "demand")
    flash(f"Đã kiểm tra hồ sơ {report.code}: " + ("phù hợp." if report.conforming else f"{len(report.deviations)} sai lệch."),
          "success")
    return redirect(url_for("quality.dossier", code=report.code))


@bp.post("/kiem-tra-tat-ca")
def check_all() -> Any:
    officer()
    done = checks.run_closed(services())
    flash(f"Đã kiểm tra {done} hồ sơ đã kết thúc chưa được kiểm tra.", "success")
    return redirect(url_for("quality.overview"))


@bp.get("/toan-ven")
def integrity_page() -> Any:
    """Run every check of the audit record (chains, dossiers against their events, the tree against the head)."""
    officer()
    folder = audit_folder()
    svc = services()
    try:
        head = heads.read(folder / heads.HEAD_FILE)
    except heads.HeadError:
        head = None
    ran = request.args.get("chay") == "1"
    problems: list[integrity.Problem] = []
    if ran:
        with svc.sessions() as session:
            problems = list(integrity.verify(session, folder))
            size = anchor.tree_size(session)
    else:
        size = None
    return render_template("quality/integrity.html", head=head, problems=problems, ran=ran, size=size,
                           CHECKS=integrity.CHECKS)
