"""The leader's dashboard, the 766 indicators, staff search (with its Excel export), public statistics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request

from engine import InvalidCommand, NotFound, policy
from engine.labels import STATUSES
from engine.queries.paging import clamp
from engine.reports import dashboard, ii06a, indicators, printing, search, service
from engine.reports.periods import CUTOFF_NOTE, KINDS, Period, current

from .. import params
from ..auth import actor, login_required
from ..context import now, services, today, tz
from .base import bp, chosen_period, public_bp, scope
from .chart import bars


@bp.get("/dieu-hanh")
@login_required
def leader_dashboard() -> Any:
    agency = scope()
    s, moment = services(), now()
    this = current("month", today())
    last = this.previous()
    last = Period(last.start, last.end, "Kỳ trước")
    with s.sessions() as session:
        conn = session.connection()
        work = dashboard.open_work(conn, agency, moment)
        rates = [dashboard.on_time(conn, agency, p, tz()) for p in (this, last)]
        slow = dashboard.slowest_steps(conn, agency, moment)
        overdue = dashboard.overdue_dossiers(conn, agency, moment)
        name = service.agency_name(s, session, agency)
    totals = {k: sum(int(w[k]) for w in work) for k in ("open", "overdue", "near", "waiting")}
    return render_template("reports/dashboard.html", work=work, totals=totals, rates=rates, slow=slow, overdue=overdue,
                           agency=agency, agency_name=name, this=this)


@bp.get("/chi-so-766")
@login_required
def indicators_page() -> Any:
    agency = scope()
    p, form = chosen_period()
    s = services()
    with s.sessions() as session:
        items = indicators.indicators(session.connection(), p, tz(), agency)
        name = service.agency_name(s, session, agency)
    return render_template("reports/indicators.html", items=items, period=p, form=form, kinds=KINDS, note=CUTOFF_NOTE,
                           agency=agency, agency_name=name,
                           agencies=service.agencies(s) if actor().role in policy.SEE_ALL else [])


def criteria_from(args: Mapping[str, str], prefix: str = "") -> search.Criteria:
    """Search criteria from a query string (bulk printing carries them as ``q_code``, ``q_name``…)."""
    def day(name: str) -> date | None:
        value = args.get(prefix + name) or ""
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            raise InvalidCommand(f"Ngày '{value[:20]}' (ô {name}) không hợp lệ: dùng dạng YYYY-MM-DD.") from None

    status = args.get(prefix + "status") or ""
    if status and status not in STATUSES:
        raise InvalidCommand(f"Trạng thái không hợp lệ '{status[:30]}'.")
    given = {k: (args.get(prefix + k) or "")[:100] for k in ("code", "name", "id_number", "phone", "procedure")}
    return search.Criteria(**given, status=status, received_from=day("from"), received_to=day("to"))


def _criteria() -> search.Criteria:
    return criteria_from(request.args)


@bp.get("/tra-cuu")
@login_required
def staff_search() -> Any:
    criteria = _criteria()
    result = None
    if not criteria.empty:
        page, per_page = clamp(params.int_arg("page", None), params.int_arg("per_page", None), search.PER_PAGE)
        with services().sessions() as session:
            result = search.search_page(session.connection(), actor(), criteria, tz(), page=page, per_page=per_page,
                                        after=request.args.get("after") or None, before=request.args.get("before") or None)
    args = {k: v for k, v in request.args.items() if k not in ("after", "before", "page") and v}
    return render_template("reports/search.html", result=result, c=criteria, limit=search.LIMIT, statuses=STATUSES,
                           args=args, query=urlencode(args), slip_choices=printing.CHOICES,
                           max_print=printing.MAX_DOSSIERS, max_pdf=printing.MAX_PDF)


@bp.get("/tra-cuu.xlsx")
@login_required
def staff_search_xlsx() -> Any:
    criteria = _criteria()
    if criteria.empty:
        raise InvalidCommand("Nhập ít nhất một điều kiện tra cứu trước khi xuất Excel.")
    with services().sessions() as session:
        rows = search.search(session.connection(), actor(), criteria, tz(), limit=search.LIMIT + 1)
    data = search.to_xlsx(rows[:search.LIMIT], tz(), request.query_string.decode(), cut=len(rows) > search.LIMIT)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="tra-cuu-ho-so.xlsx"'})


@public_bp.get("/")
def public_index() -> Any:
    return render_template("reports/public_index.html", agencies=service.agencies(services()))


@public_bp.get("/<agency>")
def public_stats(agency: str) -> Any:
    s = services()
    year = today().year
    p = Period(date(year, 1, 1), today(), f"Năm {year} (đến ngày {today():%d/%m/%Y})")
    with s.sessions() as session:
        try:
            name = s.agency(session, agency).name
        except NotFound:
            raise NotFound(f"Không có cơ quan '{agency[:80]}'.") from None
        report = ii06a.compute(session.connection(), p, tz(), agency)
    months, fields = service.monthly(s, p, agency)
    t = report.total.figures
    rate = (t["early"] + t["on_time"]) / t["resolved_total"] if t["resolved_total"] else None
    return render_template("reports/public_stats.html", name=name, period=p, t=t, rate=rate,
                           month_chart=bars(months, "Tỷ lệ giải quyết đúng hạn theo tháng"),
                           field_chart=bars(fields, "Tỷ lệ đúng hạn theo lĩnh vực", width=max(640, 90 * len(fields))))


__all__ = ["chosen_period"]
