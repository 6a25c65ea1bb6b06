"""Dossier and task rows for the commands: read with Core, changed in memory, written back explicitly.

The ORM's unit of work costs several times the SQL of a command (bench/README.md),
so the commands do not attach dossiers and tasks to the session. They read rows
into plain (transient) model instances through a :class:`RowWriter`, which
remembers what it read; at commit the writer sends one UPDATE per changed row
with only the changed columns, and the dossier's under its version check
(optimistic locking, as the ORM's ``version_id_col`` does: a row whose version
moved meanwhile matches nothing and the whole transaction is refused).

Changes are found by comparing each column with the value read, so JSON
columns must be assigned a new value, never mutated in place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.orm.exc import StaleDataError

from .models import Dossier, Task, table

DOSSIERS = table(Dossier)
TASKS = table(Task)
DOSSIER_COLUMNS = tuple(c.key for c in DOSSIERS.c)
TASK_COLUMNS = tuple(c.key for c in TASKS.c)
# Large JSON columns a command on a task seldom needs; read on demand (see ``RowWriter.load_route_state``).
HEAVY = ("applicant", "documents", "route_state")
LIGHT_DOSSIER_COLUMNS = tuple(k for k in DOSSIER_COLUMNS if k not in HEAVY)

_INSERT_DOSSIER = insert(DOSSIERS).returning(DOSSIERS.c.id)
_INSERT_TASKS = insert(TASKS).returning(TASKS.c.id, sort_by_parameter_order=True)
# Read at the version the command loaded: a route state another command wrote since is not this dossier's
# (under PostgreSQL's read committed each statement sees the latest commit), so the read finds no row and
# the command is a conflict (409), never a step "not ready" in a route that moved on (issue 12).
_ROUTE_STATE = select(DOSSIERS.c.route_state).where(DOSSIERS.c.id == bindparam("dossier_id"),
                                                   DOSSIERS.c.version == bindparam("version"))
# One statement object each: the columns SET are the parameters given, and SQLAlchemy caches
# the compiled form per set of keys.
_UPDATE_DOSSIER = DOSSIERS.update().where(DOSSIERS.c.id == bindparam("w_id"), DOSSIERS.c.version == bindparam("w_version"))
_UPDATE_TASK = TASKS.update().where(TASKS.c.id == bindparam("w_id"))


def new_row(cls: type[Any], values: dict[str, Any]) -> Any:
    """A transient instance holding ``values``, set directly as the ORM's loader does (no attribute events)."""
    obj = cls.__mapper__.class_manager.new_instance()
    vars(obj).update(values)
    return obj


def _values(obj: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    state = vars(obj)
    return {k: state[k] for k in columns if k in state}


def _with_defaults(obj: Any, table: Any) -> dict[str, Any]:
    """The values to insert, the columns' scalar defaults filled in on the instance too (as the ORM does)."""
    state = vars(obj)
    for column in table.c:
        if column.key not in state and column.default is not None and column.default.is_scalar:
            state[column.key] = column.default.arg  # a transient instance: no attribute events needed
    return _values(obj, tuple(table.c.keys()))


def _tracked(known: dict[int, tuple[Any, dict[str, Any]]], cls: type[Any], values: dict[str, Any]) -> Any:
    """The instance already read for this row id, or a new one remembered with the values read."""
    seen = known.get(values["id"])
    if seen is not None:
        return seen[0]
    obj = new_row(cls, values)
    known[obj.id] = (obj, dict(values))
    return obj


class RowWriter:
    """The dossiers and tasks one command read or created, and the statements that store its changes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._dossiers: dict[int, tuple[Dossier, dict[str, Any]]] = {}
        self._tasks: dict[int, tuple[Task, dict[str, Any]]] = {}
        self._new_tasks: list[Task] = []

    # -------------------------------------------------------------- reading

    def dossier(self, values: dict[str, Any]) -> Dossier:
        """A dossier from a row's values (all columns, or the light ones); tracked for writing."""
        return _tracked(self._dossiers, Dossier, values)

    def task(self, values: dict[str, Any]) -> Task:
        """A task from a row's values; tracked for writing."""
        return _tracked(self._tasks, Task, values)

    def load_route_state(self, dossier: Dossier) -> dict[str, Any] | None:
        """The route state of a dossier read without it; remembered as read, not as changed."""
        if "route_state" not in vars(dossier):
            found = self.conn.execute(_ROUTE_STATE, {"dossier_id": dossier.id, "version": dossier.version}).first()
            if found is None:
                raise StaleDataError(f"dossier {dossier.code} changed since it was read (version {dossier.version})")
            state = found[0]
            dossier.route_state = state
            self._dossiers[dossier.id][1]["route_state"] = state
        return dossier.route_state

    # -------------------------------------------------------------- writing

    def insert_dossier(self, dossier: Dossier) -> Dossier:
        """Store a new dossier at once (its id is needed by its tasks and audit events); version 1."""
        dossier.version = 1
        values = _with_defaults(dossier, DOSSIERS)
        dossier.id = self.conn.execute(_INSERT_DOSSIER, values).scalar_one()
        self._dossiers[dossier.id] = (dossier, values | {"id": dossier.id})
        return dossier

    @property
    def new_tasks(self) -> list[Task]:
        """The tasks this command created (not yet inserted)."""
        return list(self._new_tasks)

    def add_task(self, task: Task) -> Task:
        """A new task row, inserted by :meth:`flush`."""
        self._new_tasks.append(task)
        return task

    def flush(self) -> None:
        """Write every change: dossier rows under their version check, task rows, new tasks.

        Raises ``StaleDataError`` when a dossier's version moved since it was read.
        """
        for dossier, read in self._dossiers.values():
            changed = {k: v for k, v in _values(dossier, DOSSIER_COLUMNS).items() if k not in read or read[k] != v}
            if not changed:
                continue
            version = read["version"]
            changed["version"] = version + 1
            result = self.conn.execute(_UPDATE_DOSSIER, changed | {"w_id": dossier.id, "w_version": version})
            if result.rowcount != 1:
                raise StaleDataError(f"dossier {dossier.code} changed since it was read (version {version})")
            dossier.version = version + 1
            read.update(changed)
        for task, read in self._tasks.values():
            changed = {k: v for k, v in _values(task, TASK_COLUMNS).items() if k not in read or read[k] != v}
            if changed:
                self.conn.execute(_UPDATE_TASK, changed | {"w_id": task.id})
                read.update(changed)
        if self._new_tasks:
            rows = [_with_defaults(t, TASKS) for t in self._new_tasks]
            ids = self.conn.execute(_INSERT_TASKS, rows).scalars().all()
            for task, task_id, values in zip(self._new_tasks, ids, rows, strict=True):
                task.id = task_id
                self._tasks[task_id] = (task, values | {"id": task_id})
            self._new_tasks = []


__all__ = ["DOSSIER_COLUMNS", "LIGHT_DOSSIER_COLUMNS", "TASK_COLUMNS", "RowWriter", "new_row"]
