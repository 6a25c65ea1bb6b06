"""Bulk printing of slips from staff search: the chosen dossiers' slips as one PDF or one printable page.

``GET /bao-cao/tra-cuu/in-phieu?code=…&code=…&slip=receipt|control_slip|all&format=pdf|html``, or
``all=1`` with the search's own criteria (``q_code``, ``q_name``…: ``code`` names the chosen dossiers);
at most 500 dossiers on the printable page, 50 in one PDF (``engine.reports.printing``) for every dossier of the result (at most 500). A page break
separates the dossiers. Only dossiers the signed-in user may see are printed: one that is not refuses
the whole job as an unknown code does (404, ``engine.reports.printing``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import Response, render_template, request, url_for

from engine import InvalidCommand
from engine import queries as q
from engine.reports import books, printing, search

from ..auth import actor, login_required
from ..context import now, services, tz
from ..staff.slips import qr_svg
from .base import bp
from .leaders import criteria_from

STATIC = Path(__file__).resolve().parent.parent / "static"
PDF_CSS = ("print.css", "print-bulk.css", "print-bulk-pdf.css")  # the page links the first two; no inline style (CSP)


@bp.get("/tra-cuu/in-phieu")
@login_required
def print_slips() -> Any:
    choice = request.args.get("slip") or "receipt"
    fmt = request.args.get("format") or "pdf"
    if fmt not in ("pdf", "html"):
        raise InvalidCommand(f"Định dạng '{fmt[:20]}' không có: chọn pdf hoặc html.")
    me, s = actor(), services()
    with s.sessions() as session:
        conn = session.connection()
        if request.args.get("all"):
            criteria = criteria_from(request.args, "q_")
            if criteria.empty:
                raise InvalidCommand("Nhập ít nhất một điều kiện tra cứu trước khi in tất cả kết quả.")
            codes = [r["code"] for r in search.search(conn, me, criteria, tz(), limit=printing.MAX_DOSSIERS)]
        else:
            codes = request.args.getlist("code")
        if fmt == "pdf":
            printing.check_pdf_size(len(set(codes)))
        batches = printing.dossiers(conn, me, codes)
        printing.attach_forms(conn, batches, choice)
        sheets = [sheet for batch in batches for sheet in _sheets(s, session, batch, choice)]
    html = render_template("reports/slips_print.html", sheets=sheets,
                           count=len(batches), label=printing.CHOICES[choice], tz=tz(), parse=_parse_iso,
                           printed_at=now(), pdf=fmt == "pdf")
    if fmt == "html":
        return html
    from weasyprint import CSS, HTML

    data = bytes(HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(STATIC / name)) for name in PDF_CSS]))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="phieu-{choice}-{len(batches)}-ho-so.pdf"'})


def _sheets(s: Any, session: Any, batch: printing.Batch, choice: str) -> list[dict[str, Any]]:
    """The sheets of one dossier: its issued forms, or a control slip drawn now, or a line saying there is none."""
    status_url = url_for("public.status", code=batch.code, _external=True)
    qr = qr_svg(status_url)
    forms = [SimpleNamespace(**row._mapping) for row in batch.forms]
    if not forms and choice == "control_slip":
        forms = [_control_slip_now(s, session, batch)]
    if not forms:
        return [{"code": batch.code, "missing": printing.CHOICES[choice]}]
    return [{"code": batch.code, "f": f, "c": f.content, "qr": qr, "status_url": status_url} for f in forms]


def _control_slip_now(s: Any, session: Any, batch: printing.Batch) -> SimpleNamespace:
    """A control slip of a dossier still open (filed only when it closes): drawn from its steps, not numbered."""
    from handlers.forms import form_content, form_number

    dossier = q.find_dossier(session, batch.dossier_id)
    regime, content = form_content(s, session, dossier, "control_slip", books.control_slip_content(session, dossier, tz()))
    return SimpleNamespace(form="control_slip", form_number=form_number(regime, "control_slip"), number="……",
                           issued_at=now(), content=content)


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
