"""Calendar administration: an administrator announces a day off or a make-up working day, or withdraws one.

The entry is stored in ``calendar_days`` with its announcing document and laid over
``workflows/calendar.yaml``. The change is recorded on the system audit chain, and every
open dossier and step whose counted time spans the day gets its due time recomputed:
the working time it had from its start to its due time under the old calendar is counted
again from the same start under the new one (a day off moves the due time later, a
make-up working day earlier). Each dossier so moved gets an audit event of its own
(``dossier.due_recomputed``, shown in its timeline with the old and new times), and its
pending deadline alarms are looked at again by the next sweep.

Periods counted in calendar days or clock hours do not depend on working days: they are
left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update

from ..calendar.config import OVERRIDE_KINDS, CalendarError, CalendarOverride
from ..calendar_admin import announced
from ..errors import InvalidCommand, NotFound
from ..events import CALENDAR_CHANGED, DUE_RECOMPUTED
from ..storage.alerts import PENDING, CalendarDay, DeadlineAlarm
from ..storage.rows import DOSSIERS, LIGHT_DOSSIER_COLUMNS, TASKS
from ..vocabulary import ACTIVE_TASK_STATES, OPEN_STATUSES
from .base import Command, handles
from .kernel import Kernel

WORKING_UNITS = ("working_days", "working_hours")


@dataclass(frozen=True)
class AnnounceDay(Command):
    """Make ``day`` a day off (``day_off``) or a working day (``working_day``), citing the announcing document."""

    action = "calendar"
    day: date
    kind: str
    name: str
    document: str


@dataclass(frozen=True)
class WithdrawDay(Command):
    """Withdraw an announced entry (the day is again what the file and the holidays make it)."""

    action = "calendar"
    entry_id: int
    reason: str = ""


@dataclass
class CalendarChange:
    entry: CalendarDay
    moved: list[dict[str, Any]]  # {code, before, after} of each dossier whose due time moved


@handles(AnnounceDay, "announce_day")
def announce_day(cmd: AnnounceDay, k: Kernel) -> CalendarChange:
    try:
        override = CalendarOverride(cmd.day, cmd.kind, cmd.name.strip(), cmd.document.strip())
    except CalendarError as exc:
        raise InvalidCommand(f"Điều chỉnh lịch không hợp lệ: {exc}. (Loại hợp lệ: {', '.join(OVERRIDE_KINDS)}.)") from None
    current = announced(k.session)
    if any(o.date == cmd.day for o in current):
        raise InvalidCommand(f"Ngày {cmd.day:%d/%m/%Y} đã có điều chỉnh; hãy gỡ điều chỉnh cũ trước khi ghi điều chỉnh mới.")
    entry = CalendarDay(day=cmd.day, kind=cmd.kind, name=override.name, document=override.document,
                        created_by=k.actor.id, created_at=k.now)
    k.session.add(entry)
    k.session.flush()
    moved = _apply(k, [*current, override], cmd.day, {"entry": entry.id, "day": cmd.day.isoformat(), "kind": cmd.kind,
                                                       "name": override.name, "document": override.document})
    return CalendarChange(entry, moved)


@handles(WithdrawDay, "withdraw_day")
def withdraw_day(cmd: WithdrawDay, k: Kernel) -> CalendarChange:
    entry = k.session.get(CalendarDay, cmd.entry_id)
    if entry is None or entry.removed_at is not None:
        raise NotFound(f"Không có điều chỉnh lịch #{cmd.entry_id} đang có hiệu lực.")
    entry.removed_by, entry.removed_at = k.actor.id, k.now
    remaining = [o for o in announced(k.session) if o.date != entry.day]
    moved = _apply(k, remaining, entry.day, {"entry": entry.id, "day": entry.day.isoformat(), "kind": "withdrawn",
                                             "name": entry.name, "document": entry.document,
                                             "reason": cmd.reason or None})
    return CalendarChange(entry, moved)


def _apply(k: Kernel, overrides: list[CalendarOverride], day: date, what: dict[str, Any]) -> list[dict[str, Any]]:
    """Move the due times spanning ``day`` from the calendar in force to one with ``overrides``; the
    services' calendar takes the new entries once the command has committed."""
    old = k.s.calendar
    new = old.with_overrides(overrides)
    start = datetime.combine(day, time(), tzinfo=old.tz).astimezone(UTC)
    end = (datetime.combine(day, time(), tzinfo=old.tz) + timedelta(days=1)).astimezone(UTC)
    conn = k.rows.conn
    light = [DOSSIERS.c[c] for c in LIGHT_DOSSIER_COLUMNS]
    tasks = conn.execute(select(TASKS).where(TASKS.c.state.in_(ACTIVE_TASK_STATES), TASKS.c.due_at >= start,
                                             TASKS.c.ready_at < end)).mappings().all()
    known = {r["id"]: r for r in conn.execute(select(*light).where(
        DOSSIERS.c.status.in_(OPEN_STATUSES), DOSSIERS.c.due_at >= start, DOSSIERS.c.received_at < end)).mappings()}
    by_dossier: dict[int, list[Any]] = {i: [] for i in known}
    for row in tasks:
        by_dossier.setdefault(row["dossier_id"], []).append(row)
    missing = [i for i in by_dossier if i not in known]
    if missing:
        known |= {r["id"]: r for r in conn.execute(select(*light).where(DOSSIERS.c.id.in_(missing))).mappings()}
    moved = []
    changed_ids = []
    for dossier_id in sorted(by_dossier):
        values = known[dossier_id]
        loaded = k.s.version(k.session, values["procedure_version_id"])
        changes: dict[str, datetime] = {}
        if loaded.procedure.variant(values["variant"] or None).deadline.unit in WORKING_UNITS and values["received_at"]:
            for column in ("due_at", "statutory_due_at"):
                if values[column] is not None and values[column] >= start:
                    due = _recount(old, new, values["received_at"], values[column])
                    if due != values[column]:
                        changes[column] = due
        steps = []
        for task in by_dossier[dossier_id]:
            if _step_unit(loaded, task["step_id"]) in WORKING_UNITS:
                due = _recount(old, new, task["ready_at"], task["due_at"])
                if due != task["due_at"]:
                    steps.append((task, due))
        if not changes and not steps:
            continue
        dossier = k.rows.dossier(dict(values))
        for column, due in changes.items():
            setattr(dossier, column, due)
        for task_values, due in steps:
            k.rows.task(dict(task_values)).due_at = due
        k.record(dossier, DUE_RECOMPUTED,
                 {"due_at": values["due_at"], "statutory_due_at": values["statutory_due_at"],
                  "tasks": [{"step": t["step_id"], "due_at": t["due_at"]} for t, _ in steps]},
                 {"due_at": dossier.due_at, "statutory_due_at": dossier.statutory_due_at,
                  "tasks": [{"step": t["step_id"], "due_at": due} for t, due in steps],
                  "day": what["day"], "document": what["document"]})
        moved.append({"code": dossier.code, "before": values["due_at"], "after": dossier.due_at})
        changed_ids.append(dossier.id)
    if changed_ids:  # the next sweep looks at their pending warnings again (a due time may have come closer)
        conn.execute(update(DeadlineAlarm).where(DeadlineAlarm.dossier_id.in_(bindparam("ids", expanding=True)),
                                                 DeadlineAlarm.state == PENDING).values(fire_at=k.now),
                     {"ids": changed_ids})
    k.record(None, CALENDAR_CHANGED, {}, what | {"dossiers": len(moved)})
    k.session.info["after_commit"].append(lambda: old.layer_overrides(overrides))
    return moved


def _recount(old: Any, new: Any, start: datetime, due: datetime) -> datetime:
    """The due time of the working time from ``start`` to ``due`` under ``old``, counted under ``new``."""
    seconds = old.working_seconds_between(start, due)
    return new.add_working_seconds(start, seconds).astimezone(UTC) if seconds else due


def _step_unit(loaded: Any, step_id: str) -> str | None:
    try:
        allowance = loaded.procedure.step(step_id).allowance
    except KeyError:
        return None
    return allowance.unit if allowance is not None else None


__all__ = ["AnnounceDay", "CalendarChange", "WithdrawDay"]
