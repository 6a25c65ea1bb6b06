"""The event log for process mining: XES (IEEE 1849-2016) and OCEL 2.0 (JSON), for any filter.

XES: one trace per dossier (``concept:name`` its code), one event per completed step, named
by the step's name as the version's BPMN names its task (so a BPMN-based conformance tool
replays it), with ``time:timestamp``, ``org:resource`` (who), ``org:role`` and
``lifecycle:transition`` ``complete``; ``motcua:step`` keeps the step id and ``motcua:event``
the audit event id. ``everything=True`` adds every other audit event too (status moves,
claims...), named by their kind.

OCEL 2.0: every audit event of the filter, related to its objects: the dossier, the task (the
step of a dossier), the person who acted and the agency.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import quoteattr

from ..audit import SYSTEM_CHAIN
from .queries import EventFilter, all_events

XES_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <global scope="trace"><string key="concept:name" value="__INVALID__"/></global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="concept:name" value="MotCua"/>
"""


def _time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def _attr(kind: str, key: str, value: Any) -> str:
    return f"<{kind} key={quoteattr(key)} value={quoteattr(str(value))}/>"


def xes(session: Any, f: EventFilter, tz: Any, step_names: dict[tuple[int, str], str], *,
        everything: bool = False) -> Iterator[str]:
    """The XES document in pieces. ``step_names``: (procedure version id, step id) -> the step's name."""
    yield XES_HEADER
    versions = _versions(session)
    trace: str | None = None
    for e in all_events(session, f, tz, by_chain=True):
        if e["chain"] == SYSTEM_CHAIN:
            continue
        if e["chain"] != trace:
            if trace is not None:
                yield "  </trace>\n"
            trace = e["chain"]
            yield f"  <trace>\n    {_attr('string', 'concept:name', trace)}\n"
            version = versions.get(e["dossier_id"])
            if version is not None:
                yield f"    {_attr('int', 'motcua:procedure_version', version)}\n"
        for name, step in _activities(e, versions, step_names, everything):
            yield ("    <event>"
                   + _attr("string", "concept:name", name) + _attr("date", "time:timestamp", _time(e["at"]))
                   + _attr("string", "org:resource", e["actor"]) + _attr("string", "org:role", e["role"])
                   + _attr("string", "lifecycle:transition", "complete") + _attr("int", "motcua:event", e["id"])
                   + (_attr("string", "motcua:step", step) if step else "") + "</event>\n")
    if trace is not None:
        yield "  </trace>\n"
    yield "</log>\n"


def _versions(session: Any) -> dict[int, int]:
    from sqlalchemy import select

    from ..storage.models import Dossier

    return {i: v for i, v in session.execute(select(Dossier.id, Dossier.procedure_version_id))}


def _activities(e: dict[str, Any], versions: dict[int, int], names: dict[tuple[int, str], str],
                everything: bool) -> Iterable[tuple[str, str | None]]:
    after = e["after"] or {}
    version = versions.get(e["dossier_id"], 0)
    if e["action"] == "step.completed" and after.get("outcome") != "request_supplement":
        step = str(after.get("step"))
        return [(names.get((version, step), step), step)]
    if e["action"] == "dossier.migrated":
        return [(names.get((version, s), s), s) for s, _outcome, _at in after.get("steps") or []]
    return [(e["action"], None)] if everything else []


def step_names(session: Any) -> dict[tuple[int, str], str]:
    """(version id, step id) -> step name, for every version (from its definition)."""
    from sqlalchemy import select

    from ..definitions.model import raw_steps
    from ..storage.models import ProcedureVersion

    out = {}
    for version_id, definition in session.execute(select(ProcedureVersion.id, ProcedureVersion.definition)):
        for step in raw_steps(definition or {}):
            out[(version_id, step["id"])] = step.get("name", step["id"])
    return out


# ---------------------------------------------------------------------- OCEL 2.0

def ocel(session: Any, f: EventFilter, tz: Any) -> dict[str, Any]:
    """The OCEL 2.0 JSON document of the filter's events."""
    objects: dict[str, dict[str, Any]] = {}
    agencies = _agencies(session)
    events = []
    event_types: dict[str, set[str]] = {}

    def obj(oid: str, otype: str, attributes: list[dict[str, Any]] | None = None) -> str:
        objects.setdefault(oid, {"id": oid, "type": otype, "attributes": attributes or [], "relationships": []})
        return oid

    for e in all_events(session, f, tz):
        after = e["after"] or {}
        rel = [{"objectId": obj(f"person:{e['actor']}", "person", [{"name": "role", "time": _time(e["at"]), "value": e["role"]}]),
                "qualifier": "actor"}]
        if e["chain"] != SYSTEM_CHAIN:
            dossier = obj(f"dossier:{e['chain']}", "dossier")
            rel.append({"objectId": dossier, "qualifier": "dossier"})
            agency = agencies.get(e["dossier_id"])
            if agency:
                rel.append({"objectId": obj(f"agency:{agency}", "agency"), "qualifier": "agency"})
                link = {"objectId": f"agency:{agency}", "qualifier": "handled by"}
                if link not in objects[dossier]["relationships"]:
                    objects[dossier]["relationships"].append(link)
            if after.get("task") is not None and after.get("step"):
                task = obj(f"task:{after['task']}", "task", [{"name": "step", "time": _time(e["at"]), "value": after["step"]}])
                rel.append({"objectId": task, "qualifier": "task"})
                link = {"objectId": dossier, "qualifier": "part of"}
                if link not in objects[task]["relationships"]:
                    objects[task]["relationships"].append(link)
        attributes = [{"name": k, "value": _plain(after[k])} for k in ("step", "outcome", "status", "result") if k in after]
        event_types.setdefault(e["action"], set()).update(a["name"] for a in attributes)
        events.append({"id": f"e{e['id']}", "type": e["action"], "time": _time(e["at"]), "attributes": attributes,
                       "relationships": rel})
    object_types = {"dossier": [], "task": [{"name": "step", "type": "string"}],
                    "person": [{"name": "role", "type": "string"}], "agency": []}
    return {
        "objectTypes": [{"name": n, "attributes": a} for n, a in object_types.items()],
        "eventTypes": [{"name": n, "attributes": [{"name": a, "type": "string"} for a in sorted(attrs)]}
                       for n, attrs in sorted(event_types.items())],
        "objects": list(objects.values()),
        "events": events,
    }


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _agencies(session: Any) -> dict[int, str]:
    from sqlalchemy import select

    from ..storage.models import Dossier

    return {i: a for i, a in session.execute(select(Dossier.id, Dossier.agency_id))}


__all__ = ["ocel", "step_names", "xes"]
