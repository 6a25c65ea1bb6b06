"""The printable slips (Mẫu 01-06) of a dossier, with the QR code to its public status page."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import segno
from flask import render_template, url_for
from markupsafe import Markup

from engine import queries as q

from ..auth import actor, login_required
from ..context import services, tz
from .base import bp


def qr_svg(url: str, scale: int = 3) -> Markup:
    """An inline SVG QR code (error correction M) for ``url``; pure Python, no network."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, xmldecl=False, svgns=True,
                                    title="Mã QR tra cứu hồ sơ", border=2)
    return Markup(buffer.getvalue().decode("utf-8"))


@bp.get("/forms/<id:form_id>")
@login_required
def slip(form_id: int) -> Any:
    with services().sessions() as session:
        form, dossier = q.issued_form(session, actor(), form_id)
        session.expunge(form)
    status_url = url_for("public.lookup", code=dossier.code, _external=True)
    return render_template("slip.html", f=form, c=form.content, code=dossier.code, status_url=status_url,
                           qr=qr_svg(status_url), tz=tz(), parse=_parse_iso)


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
