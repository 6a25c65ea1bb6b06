"""The catalogue as the analyst sees it: filters, a procedure's versions with a visual diff, the decisions timeline."""

from __future__ import annotations

import difflib
from datetime import date
from typing import Any

from flask import Response, abort, render_template, request

from engine.decisions import applied
from engine.definitions.catalog import yaml_dump
from engine.definitions.diff import diff_definitions
from engine.definitions.model import raw_steps
from engine.queries import catalogue as queries
from engine.storage.decisions import DecisionRow

from ..context import services
from .base import bp


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/")
def catalogue() -> Any:
    args = request.args
    on = _date(args.get("on"))
    confirmed = {"yes": True, "no": False}.get(args.get("confirmed", ""))
    with services().sessions() as session:
        items = queries.analyst_catalogue(session, field=args.get("field") or None, agency=args.get("agency") or None,
                                          confirmed=confirmed, on=on)
        fields = queries.fields(session)
        agencies = queries.agencies_in_catalogue(session)
    return render_template("analyst/catalogue.html", items=items, fields=fields, agencies=agencies, args=args,
                           bad_date=bool(args.get("on")) and on is None)


def _pick(versions: list[Any], number: str | None, default: Any) -> Any:
    return next((v for v in versions if str(v.version) == number), default)


@bp.get("/thu-tuc/<code>")
def procedure(code: str) -> Any:
    from engine.decisions.drafts import drafts_of

    with services().sessions() as session:
        versions = queries.versions(session, code)
        drafts = drafts_of(session, code)
        decisions = {d.number: d for d in session.query(DecisionRow).all() if d.number}
        session.expunge_all()
    b = _pick(versions, request.args.get("b"), versions[-1])
    a = _pick(versions, request.args.get("a"), versions[-2] if len(versions) > 1 else versions[-1])
    old, new = yaml_dump(a.definition).splitlines(), yaml_dump(b.definition).splitlines()
    text_diff = list(difflib.unified_diff(old, new, f"v{a.version}", f"v{b.version}", lineterm="", n=2))
    steps_a = {s["id"] for s in raw_steps(a.definition)}
    steps_b = {s["id"] for s in raw_steps(b.definition)}
    return render_template(
        "analyst/procedure.html", code=code, versions=versions, a=a, b=b, drafts=drafts, decisions=decisions,
        changes=diff_definitions(a.definition, b.definition) if a.id != b.id else [], text_diff=text_diff,
        added=sorted(steps_b - steps_a), removed=sorted(steps_a - steps_b),
    )


@bp.get("/thu-tuc/<code>/v<id:version>.bpmn")
def version_bpmn(code: str, version: int) -> Any:
    with services().sessions() as session:
        row = next((v for v in queries.versions(session, code) if v.version == version), None)
        if row is None:
            abort(404)
        xml = row.bpmn_xml
    return Response(xml, mimetype="application/xml")


@bp.get("/quyet-dinh")
def decisions() -> Any:
    with services().sessions() as session:
        rows = applied(session)
        session.expunge_all()
    return render_template("analyst/decisions.html", decisions=rows)
