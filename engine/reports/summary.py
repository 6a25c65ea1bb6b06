"""The facts summed per local day (``report_days``), kept in the same transaction as the facts.

Every period the reports offer is a run of whole local days (``periods``), so a day's sums give the
report's figures exactly, for any two dates, without reading a row per dossier:

- *flows* are counted on the local day they happened, at the agency the report names for them
  (received: competent at receipt; resolved: competent at the end; apology: competent when sent;
  refused at intake: the day of registration);
- *stocks* (open, awaiting a supplement, overdue while worked on) are deltas. A span open from S to E
  is open at the local midnight T when S < T <= E, so it adds +1 on S's day and -1 on E's day; it is
  overdue at T when, moreover, its due time D < T and it is not waiting on the applicant, which is
  +1 on the day of max(S, D) and -1 on the day of max(S, D, E). The figure at a midnight is the sum
  of the deltas of the days before it.

The writer (``facts.Writer``) computes the change of a fact or span row as the contributions of the
row after minus those of the row before, and adds it with one upsert per touched day-row.
:func:`rebuild` sums the facts again from scratch (the migration that creates the table, and
``motcua report rebuild-facts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ..vocabulary import Channel, Result, Timeliness
from .tables import DAYS, FACTS, SPANS

NOT_RECEIVED = "not_received"
WITHDRAWN = "withdrawn"
ENDED_OTHER = (Result.APPROVED, Result.REFUSED, WITHDRAWN, NOT_RECEIVED)
WAITING_STATES = ("supplement", "payment", "withdrawal")  # in progress within time whatever the due time
DIMS = ("level", "field", "procedure_code")
COUNTERS = ("received", "received_online", "resolved_total", "early", "on_time", "late", "withdrawn", "refused",
            "closed_unsupplemented", "refused_intake", "apologies", "open_delta", "supplement_delta", "overdue_delta")
KEY = ("day", "agency_id", *DIMS)

Dims = tuple[str, str, str]
Cell = tuple[int, str]  # (local day YYYYMMDD, agency)
Changes = dict[tuple[int, str, str, str, str], dict[str, int]]


def day_number(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def local_day(at: datetime, tz: tzinfo) -> int:
    return day_number(at.astimezone(tz).date())


def fact_counts(row: Mapping[Any, Any], tz: tzinfo) -> list[tuple[Cell, str]]:
    """What one ``report_dossiers`` row counts: (day, agency) and the counter, once each."""
    out: list[tuple[Cell, str]] = []
    received, ended, outcome = row.get("received_at"), row.get("ended_at"), row.get("outcome")
    if received is not None:
        cell = (local_day(received, tz), str(row.get("agency_received") or ""))
        out.append((cell, "received"))
        if row.get("channel") == Channel.ONLINE:
            out.append((cell, "received_online"))
        if ended is not None and outcome is not None and outcome != NOT_RECEIVED:
            cell = (local_day(ended, tz), str(row.get("agency_ended") or ""))
            out.append((cell, "resolved_total"))
            klass = row.get("timeliness")
            if klass in (Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE):
                out.append((cell, str(klass)))
            if outcome == WITHDRAWN:
                out.append((cell, "withdrawn"))
            elif outcome == Result.REFUSED:
                out.append((cell, "refused"))
            elif outcome not in ENDED_OTHER:
                out.append((cell, "closed_unsupplemented"))
    if outcome == NOT_RECEIVED and row.get("registered_at") is not None:
        out.append(((local_day(row["registered_at"], tz), str(row.get("agency_received") or "")), "refused_intake"))
    if row.get("apology_at") is not None:
        out.append(((local_day(row["apology_at"], tz), str(row.get("agency_apology") or "")), "apologies"))
    return out


def span_counts(span: Mapping[Any, Any], tz: tzinfo) -> list[tuple[Cell, str, int]]:
    """The stock deltas of one ``report_spans`` row: (day, agency), the counter and +1 / -1."""
    agency, started, ended, due = str(span["agency_id"]), span["started_at"], span.get("ended_at"), span.get("due_at")
    out: list[tuple[Cell, str, int]] = []
    names = ("open_delta", "supplement_delta") if span["state"] == "supplement" else ("open_delta",)
    for name in names:
        out.append(((local_day(started, tz), agency), name, 1))
        if ended is not None:
            out.append(((local_day(ended, tz), agency), name, -1))
    if due is not None and span["state"] not in WAITING_STATES:
        late_from = max(started, due)
        out.append(((local_day(late_from, tz), agency), "overdue_delta", 1))
        if ended is not None:
            out.append(((local_day(max(late_from, ended), tz), agency), "overdue_delta", -1))
    return out


class Tally:
    """Changes to the day-rows, summed before they are written (zeros dropped)."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.changes: Changes = {}

    def add(self, cell: Cell, dims: Dims, name: str, n: int) -> None:
        counters = self.changes.setdefault((cell[0], cell[1], *dims), {})
        counters[name] = counters.get(name, 0) + n

    def fact(self, row: Mapping[Any, Any] | None, n: int) -> None:
        if row is not None:
            dims = (str(row["level"]), str(row["field"]), str(row["procedure_code"]))
            for cell, name in fact_counts(row, self.tz):
                self.add(cell, dims, name, n)

    def span(self, span: Mapping[Any, Any], dims: Dims, n: int) -> None:
        for cell, name, sign in span_counts(span, self.tz):
            self.add(cell, dims, name, sign * n)

    def rows(self) -> list[dict[str, Any]]:
        out = []
        # In key order: two commands touching the same day-rows lock them in the same order (no deadlock).
        for key, counters in sorted(self.changes.items(), key=lambda kv: tuple("" if v is None else str(v) for v in kv[0])):
            if any(counters.values()):
                out.append(dict(zip(KEY, key, strict=True)) | dict.fromkeys(COUNTERS, 0) | counters)
        return out


def _upsert(dialect: str) -> Any:
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = maker(DAYS)
    return stmt.on_conflict_do_update(index_elements=list(KEY),
                                      set_={c: DAYS.c[c] + stmt.excluded[c] for c in COUNTERS})


_UPSERTS = {name: _upsert(name) for name in ("postgresql", "sqlite")}


def write(conn: Connection, tally: Tally) -> None:
    """Add the tallied changes to the day-rows (one upsert per row; a new row starts from them)."""
    rows = tally.rows()
    if rows:
        conn.execute(_UPSERTS[conn.dialect.name], rows)


# ---------------------------------------------------------------------- rebuilding

_FACT_COLUMNS = [FACTS.c[c] for c in ("level", "field", "procedure_code", "channel", "registered_at", "received_at",
                                      "agency_received", "ended_at", "agency_ended", "outcome", "timeliness",
                                      "apology_at", "agency_apology")]


def rebuild(conn: Connection, tz: tzinfo, batch: int = 5000) -> int:
    """Sum the facts and spans again into ``report_days`` (emptied first); returns the day-rows written."""
    lock_for_rebuild(conn)
    tally = Tally(tz)
    conn.execute(delete(DAYS))
    for row in _stream(conn, select(*_FACT_COLUMNS)):
        tally.fact(row, 1)
    f, s = FACTS.c, SPANS.c
    spans = select(s.agency_id, s.state, s.due_at, s.started_at, s.ended_at, f.level, f.field, f.procedure_code) \
        .select_from(SPANS.join(FACTS, f.dossier_id == s.dossier_id))
    for row in _stream(conn, spans):
        tally.span(row, (row["level"], row["field"], row["procedure_code"]), 1)
    rows = tally.rows()
    for i in range(0, len(rows), batch):
        conn.execute(insert(DAYS), rows[i:i + batch])
    return len(rows)


def lock_for_rebuild(conn: Connection) -> None:
    """On PostgreSQL, hold the report tables against writers until the rebuild commits: a command committing
    meanwhile would be half-counted, then added again by its own upsert. Commands wait; readers do not."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE report_dossiers, report_spans, report_days IN EXCLUSIVE MODE")


def _stream(conn: Connection, query: Any) -> Iterable[Mapping[Any, Any]]:
    # Per statement: Connection.execution_options() would change the caller's connection for good.
    result = conn.execute(query, execution_options={"stream_results": True, "yield_per": 10000})
    yield from result.mappings()


__all__ = ["COUNTERS", "Tally", "day_number", "fact_counts", "local_day", "rebuild", "span_counts", "write"]
