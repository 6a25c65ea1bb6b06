"""Keep the reporting facts (``tables``) as the commands record their events.

:func:`observe` is called by ``Kernel.record`` for every audit event of a dossier, in the
command's own transaction: the facts change exactly when the audit log does, and a command
that fails leaves neither. It reads the dossier as the command has just left it (each event is
recorded after the change it describes) and writes with plain Core statements (no reads).

:func:`rebuild` replays the audit log through the same rules, for a database whose dossiers
predate the facts (the migration that creates them calls it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ..text import fold
from ..timeliness import classify_dossier
from ..vocabulary import Status, Timeliness
from .issuing import after_event
from .summary import Tally, write
from .tables import FACTS, SPANS

if TYPE_CHECKING:
    from ..commands.kernel import Kernel

# The class of a status during a received dossier's open life; any status not here ends it.
STATE_OF: dict[str, str] = {
    Status.RECEIVED: "working",
    Status.PROCESSING: "working",
    Status.AWAITING_SUPPLEMENT: "supplement",
    Status.AWAITING_PAYMENT: "payment",
    Status.WITHDRAWAL_REQUESTED: "withdrawal",
}
NOT_ENDING = frozenset({Status.REGISTERED, Status.RETURNED})  # not an end of the open life
WITHDRAWN = "withdrawn"
NOT_RECEIVED = "not_received"

_INSERT_FACT = insert(FACTS)
_INSERT_SPAN = insert(SPANS)
_CLOSE_SPAN = (
    update(SPANS).where(SPANS.c.dossier_id == bindparam("d"), SPANS.c.ended_at.is_(None)).values(ended_at=bindparam("at"))
    .returning(SPANS.c.agency_id, SPANS.c.state, SPANS.c.due_at, SPANS.c.started_at)
)
_UPDATE_FACT = update(FACTS).where(FACTS.c.dossier_id == bindparam("d"))
_READ_FACT = select(FACTS).where(FACTS.c.dossier_id == bindparam("d"))
# The fact columns a change of which moves a figure of the summary (engine/reports/summary.py).
_COUNTED = frozenset({"received_at", "agency_received", "ended_at", "agency_ended", "outcome", "timeliness",
                      "apology_at", "agency_apology", "registered_at", "channel"})


class DossierLike(Protocol):
    id: int
    code: str
    status: str
    agency_id: str
    receiving_agency_id: str
    channel: str
    procedure_code: str
    procedure_version_id: int
    registered_at: datetime
    received_at: datetime | None
    statutory_due_at: datetime | None
    extended_at: datetime | None
    resolved_at: datetime | None
    returned_at: datetime | None
    audit_seq: int


class Writer:
    """Where observed facts go: a connection, the local time zone, and the procedure's field and level.

    With ``summary`` (the commands' writer) each change is also added to ``report_days`` in the same
    transaction; the rebuild writes the facts alone and sums them at the end (``summary.rebuild``).
    """

    def __init__(self, conn: Connection, tz: tzinfo, field_level: Any, summary: bool = True) -> None:
        self.conn, self.tz, self.field_level, self.summary = conn, tz, field_level, summary

    def _dims(self, dossier: DossierLike) -> tuple[str, str, str]:
        field, level = self.field_level(dossier.procedure_version_id)
        return (level, field, dossier.procedure_code)

    def month(self, at: datetime) -> int:
        local = at.astimezone(self.tz)
        return local.year * 100 + local.month

    def open_span(self, dossier: DossierLike, state: str, at: datetime, ended: datetime | None = None) -> None:
        span = {"dossier_id": dossier.id, "seq": dossier.audit_seq, "agency_id": dossier.agency_id, "state": state,
                "due_at": dossier.statutory_due_at, "started_at": at, "ended_at": ended}
        self.conn.execute(_INSERT_SPAN, span)
        if self.summary:
            tally = Tally(self.tz)
            tally.span(span, self._dims(dossier), 1)
            write(self.conn, tally)

    def close_span(self, dossier: DossierLike, at: datetime) -> None:
        closed = self.conn.execute(_CLOSE_SPAN, {"d": dossier.id, "at": at}).mappings().all()
        if self.summary and closed:
            tally, dims = Tally(self.tz), self._dims(dossier)
            for span in closed:
                tally.span(span, dims, -1)
                tally.span(dict(span) | {"ended_at": at}, dims, 1)
            write(self.conn, tally)

    def update(self, dossier: DossierLike, **values: Any) -> None:
        before = None
        if self.summary and _COUNTED.intersection(values):
            before = self.conn.execute(_READ_FACT, {"d": dossier.id}).mappings().first()
        self.conn.execute(_UPDATE_FACT, {"d": dossier.id, **values})
        if before is not None:
            tally = Tally(self.tz)
            tally.fact(before, -1)
            tally.fact(dict(before) | values, 1)
            write(self.conn, tally)

    def insert(self, dossier: DossierLike, at: datetime, **values: Any) -> None:
        field, level = self.field_level(dossier.procedure_version_id)
        received = dossier.received_at
        person = getattr(dossier, "applicant", None) or {}
        row = {
            "dossier_id": dossier.id, "code": dossier.code, "applicant_fold": fold(person.get("name"))[:300],
            "id_number": str(person.get("id_number") or "")[:40], "phone": str(person.get("phone") or "")[:20],
            "procedure_code": dossier.procedure_code,
            "procedure_version_id": dossier.procedure_version_id, "field": field, "level": level,
            "channel": dossier.channel, "receiving_agency": dossier.receiving_agency_id,
            "registered_at": dossier.registered_at or at, "received_at": received,
            "received_month": self.month(received) if received else None, "agency_received": dossier.agency_id,
            "ended_at": None, "ended_month": None, "agency_ended": None, "outcome": None, "timeliness": None,
            "apology_at": None, "agency_apology": None, "returned_at": None,
        } | values
        self.conn.execute(_INSERT_FACT, row)
        if self.summary:
            tally = Tally(self.tz)
            tally.fact(row, 1)
            write(self.conn, tally)


def observe(k: Kernel, dossier: Any, kind: Any, before: dict[str, Any], after: dict[str, Any]) -> None:
    """The facts of one recorded event (the Kernel's one call)."""
    if dossier is None:
        return
    services, session = k.s, k.session

    def field_level(version_id: int) -> tuple[str, str]:
        procedure = services.version(session, version_id).procedure
        return procedure.field, procedure.level

    name = str(kind)
    apply(Writer(k.rows.conn, services.calendar.tz, field_level), dossier, name, before, after, k.now)
    after_event(k, dossier, name, after)  # forms a step lists, the control slip at closing


def apply(w: Writer, dossier: DossierLike, name: str, before: dict[str, Any], after: dict[str, Any], at: datetime) -> None:
    """The rules: what each kind of event changes in the facts."""
    if name == "dossier.received":
        w.insert(dossier, at)
        w.open_span(dossier, "working", at)
    elif name == "dossier.registered":
        w.insert(dossier, at)
    elif name == "dossier.migrated":  # `motcua import dossiers` (engine/bulk): history from another system
        _migrated(w, dossier, after)
    elif name == "dossier.refused_at_intake":
        w.insert(dossier, at, ended_at=at, ended_month=w.month(at), agency_ended=dossier.agency_id, outcome=NOT_RECEIVED)
    elif name == "supplement.received":
        if dossier.status == Status.RECEIVED:  # an incomplete dossier of the desk: received only now
            received = dossier.received_at or at
            w.update(dossier, received_at=received, received_month=w.month(received), agency_received=dossier.agency_id)
        else:
            w.close_span(dossier, at)
        w.open_span(dossier, "working", at)  # the due time restarted or moved
    elif name == "dossier.extended":
        w.update(dossier, apology_at=at, agency_apology=dossier.agency_id)
    elif name == "dossier.competence_transferred":
        if dossier.received_at is not None and dossier.status in STATE_OF:
            w.close_span(dossier, at)
            w.open_span(dossier, STATE_OF[dossier.status], at)
    elif name.startswith("status."):
        _status(w, dossier, str(before.get("status", "")), str(after.get("status", "")), after, at)


def _migrated(w: Writer, dossier: DossierLike, after: dict[str, Any]) -> None:
    """An imported dossier: received when the export says; ended when its result was ready, if it was."""
    received = dossier.received_at
    resolved = _moment(after.get("resolved_at")) or (_moment(after.get("returned_at")) if after.get("result") else None)
    if resolved is None or received is None:
        w.insert(dossier, received or dossier.registered_at)
        if received is not None and dossier.status in STATE_OF:
            w.open_span(dossier, STATE_OF[dossier.status], received)
        return
    klass = after.get("timeliness") or classify_dossier(
        SimpleNamespace(extended_at=None, resolved_at=resolved, returned_at=None, statutory_due_at=dossier.statutory_due_at),
        resolved, w.tz)
    w.insert(dossier, received, ended_at=resolved, ended_month=w.month(resolved), agency_ended=dossier.agency_id,
             outcome=str(after.get("result") or "approved"), timeliness=str(klass) if klass else None,
             returned_at=_moment(after.get("returned_at")))
    w.open_span(dossier, "working", received, ended=resolved)


def _status(w: Writer, dossier: DossierLike, old: str, new: str, after: dict[str, Any], at: datetime) -> None:
    if new == Status.RETURNED:
        w.update(dossier, returned_at=at)
        return
    received = dossier.received_at is not None
    if new in STATE_OF:
        if received and STATE_OF.get(old) != STATE_OF[new] and old in STATE_OF:
            w.close_span(dossier, at)
            w.open_span(dossier, STATE_OF[new], at)
        return
    if new in NOT_ENDING:
        return
    # The dossier's open life ends: result ready, stopped, or closed by a rule.
    if new == Status.RESOLVED:
        outcome = str(after.get("result") or "approved")
        view = SimpleNamespace(extended_at=dossier.extended_at, resolved_at=at, returned_at=None,
                               statutory_due_at=dossier.statutory_due_at,
                               late_incurred=getattr(dossier, "late_incurred", None))
        klass = classify_dossier(view, at, w.tz) if received else None
    else:
        outcome = WITHDRAWN if new == Status.STOPPED else new
        klass = Timeliness.ON_TIME if received else None  # LEGAL.md §7 [P]: counted as resolved on time
    w.update(dossier, ended_at=at, ended_month=w.month(at), agency_ended=dossier.agency_id, outcome=outcome,
             timeliness=str(klass) if klass else None)
    if received:
        w.close_span(dossier, at)


# ---------------------------------------------------------------------- rebuilding from the audit log

def rebuild(conn: Connection, tz: tzinfo, events: Iterable[Any] | None = None, summary: bool = True) -> int:
    """Empty the facts and replay the whole audit log through :func:`apply`; returns the dossiers seen.

    The dossier's state at each event is rebuilt from the events themselves (their snapshots and
    changes), so the result is what the commands would have written had the facts existed. With
    ``summary`` the day sums are rebuilt from the new facts at the end (migration 0009 runs before
    their table exists and passes False).
    """
    from ..storage.models import AuditEvent, Dossier, ProcedureVersion, table

    audit, versions, dossiers = table(AuditEvent), table(ProcedureVersion), table(Dossier)
    if summary:  # migration 0009 runs before report_days exists (and with no writers)
        from .summary import lock_for_rebuild

        lock_for_rebuild(conn)
    people = {row.id: (row.code, row.applicant) for row in
              conn.execute(select(dossiers.c.id, dossiers.c.code, dossiers.c.applicant))}
    field_level = {row.id: (row.field, str((row.definition or {}).get("level", ""))) for row in
                   conn.execute(select(versions.c.id, versions.c.field, versions.c.definition))}
    conn.execute(delete(SPANS))
    conn.execute(delete(FACTS))
    w = Writer(conn, tz, lambda version_id: field_level.get(version_id, ("", "")), summary=False)
    if events is None:
        events = conn.execute(
            select(audit.c.dossier_id, audit.c.seq, audit.c.at, audit.c.action, audit.c.before, audit.c.after)
            .where(audit.c.dossier_id.is_not(None)).order_by(audit.c.dossier_id, audit.c.seq)
        )
    states: dict[int, SimpleNamespace] = {}
    for event in events:
        state = states.get(event.dossier_id)
        after = event.after or {}
        if state is None:
            snap = after
            code, applicant = people.get(event.dossier_id, (snap.get("code", ""), {}))
            state = states[event.dossier_id] = SimpleNamespace(
                id=event.dossier_id, code=code, applicant=applicant or {}, status=snap.get("status", ""), agency_id=snap.get("agency", ""),
                receiving_agency_id=snap.get("agency", ""), channel=snap.get("channel", ""),
                procedure_code=snap.get("procedure", ""), procedure_version_id=snap.get("procedure_version", 0),
                registered_at=(_moment(snap.get("received_at")) if event.action == "dossier.migrated" else None) or event.at,
                received_at=_moment(snap.get("received_at")),
                statutory_due_at=_moment(snap.get("due_at")), extended_at=None, resolved_at=None, returned_at=None,
                late_incurred=None,
                audit_seq=event.seq,
            )
        _replay_change(state, event.action, after, event.at)
        state.audit_seq = event.seq
        apply(w, state, event.action, event.before or {}, after, event.at)
    if summary:
        from .summary import rebuild as rebuild_summary

        rebuild_summary(conn, tz)
    return len(states)


def _replay_change(state: SimpleNamespace, action: str, after: dict[str, Any], at: datetime) -> None:
    """What the event's command changed on the dossier before recording it."""
    if "status" in after and action.startswith("status."):
        state.status = after["status"]
    if action == "status.request_supplement" and after.get("late_by"):  # lateness kept across the supplement
        state.late_incurred = (state.late_incurred or 0) + int(after["late_by"])
    if action == "supplement.received":
        if state.received_at is None:
            state.received_at = at
        state.statutory_due_at = _moment(after.get("statutory_due_at"))
    elif action == "dossier.extended":
        state.extended_at = at
    elif action == "dossier.competence_transferred":
        state.agency_id = after.get("agency", state.agency_id)


def _moment(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


__all__ = ["STATE_OF", "Writer", "apply", "observe", "rebuild"]
