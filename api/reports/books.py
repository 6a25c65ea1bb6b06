"""The tracking ledger of a desk and the process control slip of a dossier (printable at any time)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from engine import policy
from engine import queries as q
from engine.reports import books, ii06a, service
from engine.reports.periods import CUTOFF_NOTE, KINDS

from ..auth import actor, login_required
from ..context import services, tz
from .base import bp, chosen_period, scope


@bp.get("/so-theo-doi")
@login_required
def ledger() -> Any:
    agency = scope("view_ledger")
    p, form = chosen_period()
    s = services()
    rows: list[books.LedgerRow] = []
    name = ""
    if agency is not None:
        with s.sessions() as session:
            name = service.agency_name(s, session, agency)
            conn = session.connection()
            rows = books.ledger(conn, agency, p, tz(), ii06a.procedure_names(conn))
    forms = sorted({r.form for r in rows}) or [books.LEDGER_FORMS["nd118-2025"]]
    return render_template("reports/ledger.html", rows=rows, agency=agency, agency_name=name, period=p, form=form,
                           kinds=KINDS, note=CUTOFF_NOTE, forms=forms,
                           agencies=service.agencies(s) if actor().role in policy.SEE_ALL else [])


@bp.get("/phieu-kiem-soat/<code>")
@login_required
def control_slip(code: str) -> Any:
    me = actor()
    s = services()
    with s.sessions() as session:
        dossier = q.visible_dossier(session, me, code)
        slip = books.control_slip(session, dossier, tz())
        received = dossier.received_at or dossier.registered_at
    from handlers.forms import regime_on

    regime = regime_on(received.astimezone(tz()).date())
    return render_template("reports/control_slip.html", slip=slip, code=dossier.code,
                           form_number=books.SLIP_FORMS.get(regime.id, regime.id), regime=regime)
