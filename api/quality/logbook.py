"""The audit-log viewer (ISO 9001 7.5.3: control of documented information) with filters, and the
exports: the log as CSV or JSON lines, XES (IEEE 1849) and OCEL 2.0 for process mining."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Response, render_template, request, stream_with_context

from engine.events import label
from engine.quality import export
from engine.quality import queries as qq

from .. import params
from ..context import services
from .base import bp, officer, period

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8",
           "xes": "application/xml; charset=utf-8", "ocel": "application/json; charset=utf-8"}


def event_filter() -> qq.EventFilter:
    def arg(name: str) -> str | None:
        value = (request.args.get(name) or "").strip()
        return value[:120] or None

    return qq.EventFilter(dossier=arg("dossier"), actor=arg("actor"), action=arg("action"), period=period())


@bp.get("/nhat-ky")
def audit_log() -> Any:
    officer()
    svc = services()
    f = event_filter()
    before = params.int_arg("truoc", None)
    with svc.sessions() as session:
        rows = qq.events(session, f, svc.calendar.tz, before_id=before, limit=50)
        actions = qq.actions(session)
    more = rows[-1]["id"] if len(rows) == 50 else None
    args = {k: v for k, v in request.args.items() if k != "truoc" and v}
    return render_template("quality/log.html", rows=rows, f=f, actions=actions, label=label, more=more, args=args,
                           p=period())


@bp.get("/nhat-ky.<fmt>")
def export_log(fmt: str) -> Any:
    """The filtered log as a file: csv, jsonl, xes (steps; ``tat-ca=1``: every event) or ocel."""
    officer()
    if fmt not in FORMATS:
        return render_template("error.html", title="Định dạng không hỗ trợ",
                               message=f"Không có định dạng '{fmt}' (có: {', '.join(FORMATS)})."), 404
    svc = services()
    f = event_filter()
    tz = svc.calendar.tz

    def body() -> Iterator[str]:
        with svc.sessions() as session:
            if fmt == "xes":
                yield from export.xes(session, f, tz, export.step_names(session), everything=request.args.get("tat-ca") == "1")
            elif fmt == "ocel":
                yield json.dumps(export.ocel(session, f, tz), ensure_ascii=False)
            elif fmt == "jsonl":
                for e in qq.all_events(session, f, tz):
                    yield json.dumps(e, ensure_ascii=False, default=str) + "\n"
            else:
                yield from _csv(qq.all_events(session, f, tz))

    name = {"csv": "nhat-ky.csv", "jsonl": "nhat-ky.jsonl", "xes": "nhat-ky.xes", "ocel": "nhat-ky.ocel.json"}[fmt]
    return Response(stream_with_context(body()), mimetype=FORMATS[fmt].split(";")[0],
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def _csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    columns = ["id", "chain", "seq", "at", "actor", "actor_name", "role", "action", "before", "after", "hash"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([json.dumps(row[c], ensure_ascii=False) if c in ("before", "after") else row[c] for c in columns])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
