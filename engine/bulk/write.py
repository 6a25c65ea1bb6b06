"""Writing drafted dossiers in bulk, inside the caller's one transaction.

Dossier ids are taken before the rows are written (each dossier's audit event
covers its id): on PostgreSQL from the table's sequence, on SQLite after the
highest id under the write lock the transaction holds. Rows then go in batches:
``COPY ... FROM STDIN`` on PostgreSQL, multi-row ``INSERT`` (executemany) on SQLite.
Every column is written, the tables' own scalar defaults filled in, so a column
another change adds with a default needs nothing here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text

from ..storage.models import AuditEvent, Dossier, Task, table

DOSSIERS, TASKS, AUDIT = table(Dossier), table(Task), table(AuditEvent)


def _defaults(tbl: Table, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in tbl.c:
        if column.key not in skip:
            default = column.default
            out[column.key] = getattr(default, "arg", None) if default is not None and default.is_scalar else None
    return out


class Writer:
    """Stores dossiers, their tasks and audit events; one per import (one transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self._columns = {t.name: _defaults(t, () if t is DOSSIERS else ("id",)) for t in (DOSSIERS, TASKS, AUDIT)}
        self._next_id: int | None = None
        if not self.postgres:
            # Take SQLite's write lock now (a write statement begins the transaction and locks the
            # database), so the highest id read next stays the highest until commit.
            conn.execute(text("UPDATE dossiers SET id = id WHERE 0"))
            self._next_id = int(conn.execute(select(func.coalesce(func.max(DOSSIERS.c.id), 0))).scalar_one()) + 1

    def ids(self, count: int) -> list[int]:
        """``count`` fresh dossier ids."""
        if count == 0:
            return []
        if self.postgres:
            return list(self.conn.execute(
                text("SELECT nextval(pg_get_serial_sequence('dossiers', 'id')) FROM generate_series(1, :n)"), {"n": count}
            ).scalars())
        assert self._next_id is not None
        first, self._next_id = self._next_id, self._next_id + count
        return list(range(first, first + count))

    def write(self, dossiers: Sequence[dict[str, Any]], tasks: Sequence[dict[str, Any]], events: Sequence[dict[str, Any]]) -> None:
        for tbl, rows in ((DOSSIERS, dossiers), (TASKS, tasks), (AUDIT, events)):
            if rows:
                full = [self._columns[tbl.name] | row for row in rows]
                if self.postgres:
                    self._copy(tbl, full)
                else:
                    self.conn.execute(insert(tbl), [{k: r[k] for k in self._columns[tbl.name]} for r in full])

    def _copy(self, tbl: Table, rows: list[dict[str, Any]]) -> None:
        names = list(self._columns[tbl.name])
        json_columns = {c.key for c in tbl.c if c.type.__class__.__name__ in ("JSON", "JSONB") or "JSON" in repr(c.type)}
        raw = self.conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {tbl.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_cell(row[n], n in json_columns) for n in names])


def _cell(value: Any, is_json: bool) -> Any:
    if is_json:
        return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if hasattr(value, "value") and isinstance(value, str):  # StrEnum
        return str(value)
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


__all__ = ["Writer"]
