"""The II.06a page and its downloads."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request

from engine.reports import exports, ii06a, service
from engine.reports.periods import CUTOFF_NOTE, KINDS

from ..auth import actor, login_required
from ..context import services
from .base import bp, chosen_period, scope
from .chart import bars


@bp.get("/")
@login_required
def index() -> Any:
    return render_template("reports/index.html", agency=scope())


@bp.get("/ii06a")
@login_required
def ii06a_page() -> Any:
    agency = scope()
    p, form = chosen_period()
    s = services()
    report, rows, name = service.ii06a_report(s, agency, within=p)
    months, fields = service.monthly(s, p, agency)
    see_all = actor().role in ("administrator", "analyst")
    return render_template(
        "reports/ii06a.html", report=report, rows=rows, agency_name=name, agency=agency, form=form, kinds=KINDS,
        columns=ii06a.COLUMNS, groups=ii06a.GROUPS, keys=ii06a.KEYS, title=ii06a.TITLE, form_name=ii06a.FORM,
        note=CUTOFF_NOTE, agencies=service.agencies(s) if see_all else [], query=request.query_string.decode(),
        month_chart=bars(months, "Tỷ lệ giải quyết đúng hạn theo tháng"),
        field_chart=bars(fields, "Tỷ lệ giải quyết đúng hạn theo lĩnh vực", width=max(640, 90 * len(fields))),
    )


@bp.get("/ii06a.<fmt>")
@login_required
def ii06a_download(fmt: str) -> Any:
    if fmt not in exports.FORMATS:
        abort(404)
    agency = scope()
    p, _ = chosen_period()
    data, filename = service.ii06a_file(services(), fmt, agency, within=p)
    return Response(data, mimetype=exports.MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
