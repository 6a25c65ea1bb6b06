"""The II.06a figures counted a second way: plain Python over the audit log, nothing from the facts tables.

Each dossier's story is rebuilt from its own events (its snapshot at registration or receipt,
status moves, supplements received, apologies, transfers); the period's figures are then
counted dossier by dossier with the rules of docs/reports.md written out again by hand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, select

from engine.storage.models import AuditEvent, ProcedureVersion

WAITING = {"awaiting_supplement", "awaiting_payment", "withdrawal_requested"}
OPEN = {"received", "processing"} | WAITING


def moment(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@dataclass
class Story:
    procedure: str = ""
    version: int = 0
    channel: str = ""
    registered_at: datetime | None = None
    received_at: datetime | None = None
    agency_at_receipt: str = ""
    # (at, status, agency, statutory due) after each change, in order
    changes: list[tuple[datetime, str, str, datetime | None]] = field(default_factory=list)
    ended: tuple[datetime, str, str, str | None] | None = None  # at, outcome, agency, class
    apology: tuple[datetime, str] | None = None
    refused_intake: tuple[datetime, str] | None = None


def stories(conn: Connection, tz: tzinfo) -> dict[int, Story]:
    out: dict[int, Story] = defaultdict(Story)
    status: dict[int, str] = {}
    agency: dict[int, str] = {}
    due: dict[int, datetime | None] = {}
    extended: set[int] = set()
    a = AuditEvent.__table__.c
    query = select(a.dossier_id, a.at, a.action, a.after).where(a.dossier_id.is_not(None)).order_by(a.dossier_id, a.seq)
    for d, at, action, after in conn.execute(query):
        s = out[d]
        if action in ("dossier.received", "dossier.registered", "dossier.refused_at_intake"):
            s.procedure, s.version, s.channel = after["procedure"], after["procedure_version"], after["channel"]
            s.registered_at, agency[d], status[d] = at, after["agency"], after["status"]
            if action == "dossier.refused_at_intake":
                s.refused_intake = (at, after["agency"])
            if action == "dossier.received":
                s.received_at, s.agency_at_receipt, due[d] = at, after["agency"], moment(after["due_at"])
                s.changes.append((at, "received", agency[d], due[d]))
            continue
        if action == "dossier.competence_transferred":
            agency[d] = after["agency"]
        elif action == "dossier.extended":
            extended.add(d)
            s.apology = (at, agency[d])
        elif action == "supplement.received":
            due[d] = moment(after["statutory_due_at"])
            if s.received_at is None:
                s.received_at, s.agency_at_receipt = at, agency[d]
        elif action.startswith("status."):
            status[d] = after["status"]
            if after.get("late_by"):  # a supplement asked for after the due time: the lateness stays
                extended.add(d)
        else:
            continue
        if s.received_at is None or s.ended is not None:
            continue
        if status[d] in OPEN:
            s.changes.append((at, status[d], agency[d], due[d]))
        elif status[d] != "returned":
            if status[d] == "resolved":
                outcome = after.get("result") or "approved"
                if d in extended:
                    klass = "late"
                elif due[d] is None:
                    klass = None
                elif at > due[d]:
                    klass = "late"
                elif at.astimezone(tz).date() < due[d].astimezone(tz).date():
                    klass = "early"
                else:
                    klass = "on_time"
            else:
                outcome, klass = ("withdrawn" if status[d] == "stopped" else status[d]), "on_time"
            s.ended = (at, outcome, agency[d], klass)
    return out


def state_before(s: Story, instant: datetime) -> tuple[str, str, datetime | None] | None:
    """(status, agency, due) of a received dossier just before ``instant``, or None if not then in progress."""
    if s.received_at is None or s.received_at >= instant:
        return None
    if s.ended is not None and s.ended[0] < instant:
        return None
    last = None
    for at, status, agency, due in s.changes:
        if at < instant:
            last = (status, agency, due)
    return last


def count(conn: Connection, tz: tzinfo, start: datetime, end: datetime, agency: str | None = None) -> dict[tuple[str, str, str], dict[str, int]]:
    """Figures by (level, field, procedure) for [start, end)."""
    versions = {row.id: (str(row.definition.get("level", "")), row.field) for row in
                conn.execute(select(ProcedureVersion.id, ProcedureVersion.field, ProcedureVersion.definition))}
    out: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def bump(s: Story, key: str, where: str) -> None:
        if agency is None or where == agency:
            level, fld = versions[s.version]
            out[(level, fld, s.procedure)][key] += 1

    for s in stories(conn, tz).values():
        if s.refused_intake and start <= s.refused_intake[0] < end:
            bump(s, "refused_intake", s.refused_intake[1])
        if s.apology and start <= s.apology[0] < end:
            bump(s, "apologies", s.apology[1])
        if s.received_at is None:
            continue
        if start <= s.received_at < end:
            bump(s, "received_total", s.agency_at_receipt)
            bump(s, "received_online" if s.channel == "online" else "received_direct", s.agency_at_receipt)
        before = state_before(s, start)
        if before is not None:
            bump(s, "carried_over", before[1])
            bump(s, "received_total", before[1])
        if s.ended is not None and start <= s.ended[0] < end:
            at, outcome, where, klass = s.ended
            bump(s, "resolved_total", where)
            if klass:
                bump(s, klass, where)
            if outcome in ("withdrawn", "refused"):
                bump(s, outcome, where)
            elif outcome != "approved":
                bump(s, "closed_unsupplemented", where)
        after = state_before(s, end)
        if after is not None:
            status, where, due = after
            bump(s, "in_progress_total", where)
            if status in WAITING or due is None or due >= end:
                bump(s, "within_time", where)
            else:
                bump(s, "overdue", where)
            if status == "awaiting_supplement":
                bump(s, "awaiting_supplement", where)
    return {k: dict(v) for k, v in out.items()}
