"""Deadline warnings and escalations: alarms armed for each new step, fired when their moment comes.

**Arming.** A step's row is written with ``alarms_armed`` false. The sweep reads
the steps not yet armed (a partial index holds only those), writes their alarms
(near-due, overdue, escalation to the director) and their dossier's (near-due,
one working day before the statutory due time, overdue), and marks them armed.

**Firing.** The sweep reads the pending alarms whose ``fire_at`` has passed (the
``(state, fire_at)`` index), looks at the step and dossier as they are now and
either sends the warning, moves the alarm (a due time moved; the clock stopped
while the applicant supplements), or voids it (the step is done, the dossier
closed). Sending marks the alarm ``sent`` and queues one ``notify.staff`` outbox
message in the same transaction, so a warning goes out once: the unique key
``(dossier, task, kind)`` stops a second alarm, PostgreSQL's ``FOR UPDATE SKIP
LOCKED`` keeps two schedulers off the same rows, and a crash mid-sweep rolls the
batch back for the next run.

Neither phase reads the open dossiers as a whole: each works on the rows an
index gives it, a batch at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import outbox
from ..services import Services
from ..storage.alerts import PENDING, SENT, VOID, DeadlineAlarm
from ..storage.models import Dossier, Task, table
from ..vocabulary import Status, TaskState
from .recipients import Directory, unique
from .timing import (
    DOSSIER_DUE_SOON,
    DOSSIER_KINDS,
    DOSSIER_NEAR_DUE,
    STEP_KINDS,
    STEP_NEAR_DUE,
    STEP_OVERDUE,
    dossier_moment,
    step_moment,
)

log = logging.getLogger(__name__)

ALARMS = table(DeadlineAlarm)
TASKS = table(Task)
DOSSIERS = table(Dossier)
A, T, D = ALARMS.c, TASKS.c, DOSSIERS.c

# The dossier's clock runs in these statuses; it is stopped (the alarm waits) in STOPPED_CLOCK.
RUNNING = frozenset({Status.RECEIVED, Status.PROCESSING})
STOPPED_CLOCK = frozenset({Status.AWAITING_SUPPLEMENT, Status.AWAITING_PAYMENT, Status.WITHDRAWAL_REQUESTED})
ACTIVE = frozenset({TaskState.OPEN, TaskState.WAITING})

_UNARMED = (
    select(T.id, T.dossier_id, T.step_id, T.state, T.ready_at, T.due_at,
           D.status, D.received_at, D.statutory_due_at, D.due_at.label("dossier_due_at"))
    .join(DOSSIERS, D.id == T.dossier_id)
    .where(text("NOT tasks.alarms_armed"))
    .order_by(T.id)
    .limit(bindparam("batch"))
    .with_for_update(of=TASKS, skip_locked=True)
)
_MARK_ARMED = update(TASKS).where(T.id.in_(bindparam("ids", expanding=True))).values(alarms_armed=True)
_DUE = (
    select(A.id, A.dossier_id, A.task_id, A.kind, A.step_id, A.fire_at)
    .where(A.state == PENDING, A.fire_at <= bindparam("now"))
    .order_by(A.fire_at, A.id)
    .limit(bindparam("batch"))
    .with_for_update(skip_locked=True)
)
_TASK_COLUMNS = (T.id, T.dossier_id, T.step_id, T.name, T.role, T.agency_id, T.division, T.state, T.ready_at,
                 T.due_at, T.claimed_by)
_TASKS_BY_ID = select(*_TASK_COLUMNS).where(T.id.in_(bindparam("ids", expanding=True)))
_OPEN_TASKS_OF = select(*_TASK_COLUMNS).where(T.dossier_id.in_(bindparam("ids", expanding=True)),
                                             T.state.in_(tuple(ACTIVE)))
_DOSSIERS_BY_ID = select(D.id, D.code, D.status, D.procedure_code, D.agency_id, D.received_at, D.statutory_due_at,
                         D.due_at).where(D.id.in_(bindparam("ids", expanding=True)))
_SEND = (update(ALARMS).where(A.id == bindparam("alarm_id"), A.state == PENDING)
         .values(state=SENT, sent_at=bindparam("now"), recipients=bindparam("who")))
_MOVE = update(ALARMS).where(A.id == bindparam("alarm_id"), A.state == PENDING).values(fire_at=bindparam("at"))
_VOID = update(ALARMS).where(A.id == bindparam("alarm_id"), A.state == PENDING).values(state=VOID)


@dataclass
class SweepReport:
    armed: int = 0  # steps whose alarms were written
    sent: int = 0
    moved: int = 0
    voided: int = 0
    closed: list[str] = field(default_factory=list)  # dossiers closed for want of supplement (engine.closing)

    def __str__(self) -> str:
        return (f"armed {self.armed} steps, sent {self.sent}, moved {self.moved}, voided {self.voided}, "
                f"closed {len(self.closed)}")


def sweep(services: Services, now: datetime | None = None) -> SweepReport:
    """One sweep: arm the new steps, then fire what is due. Safe in several processes at once."""
    report = SweepReport()
    refresh_calendar(services)
    batch = services.settings.sweep.batch
    while arm(services, report) == batch:
        pass
    at = now or services.now()
    while fire(services, at, report) == batch:
        pass
    return report


def refresh_calendar(services: Services) -> None:
    """The days announced in the web app, over calendar.yaml's (another process may have changed them)."""
    from ..calendar_admin import refresh

    refresh(services)


# ---------------------------------------------------------------------- arming

def _insert_ignoring_duplicates(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(dialect_insert(ALARMS).on_conflict_do_nothing(), rows)


def arm(services: Services, report: SweepReport) -> int:
    """Write the alarms of one batch of new steps; return how many steps were read."""
    cfg, calendar = services.settings.sweep, services.calendar
    with services.sessions() as session:
        conn = session.connection()
        rows = conn.execute(_UNARMED, {"batch": cfg.batch}).all()
        if not rows:
            return 0
        alarms: list[dict[str, Any]] = []
        dossiers_seen: set[int] = set()
        for r in rows:
            if r.state in ACTIVE:
                for kind in STEP_KINDS:
                    at = step_moment(kind, calendar, cfg, r.ready_at, r.due_at)
                    if at is not None:
                        alarms.append(_alarm(r.dossier_id, r.id, kind, r.step_id, at))
            if r.status in RUNNING | STOPPED_CLOCK and r.dossier_id not in dossiers_seen:
                dossiers_seen.add(r.dossier_id)
                due = r.statutory_due_at or r.dossier_due_at
                for kind in DOSSIER_KINDS:
                    at = dossier_moment(kind, calendar, cfg, r.received_at, due)
                    if at is not None:
                        alarms.append(_alarm(r.dossier_id, 0, kind, None, at))
        _insert_ignoring_duplicates(conn, alarms)
        conn.execute(_MARK_ARMED, {"ids": [r.id for r in rows]})
        session.commit()
    report.armed += len(rows)
    return len(rows)


def _alarm(dossier_id: int, task_id: int, kind: str, step_id: str | None, at: datetime) -> dict[str, Any]:
    return {"dossier_id": dossier_id, "task_id": task_id, "kind": kind, "step_id": step_id,
            "state": PENDING, "fire_at": at, "sent_at": None, "recipients": None}


# ---------------------------------------------------------------------- firing

def fire(services: Services, now: datetime, report: SweepReport) -> int:
    """Decide one batch of due alarms (send, move or void); return how many were read.

    The decisions are written with one executemany per kind (one round trip each on PostgreSQL's
    pipeline) instead of one UPDATE per alarm: the rows are this transaction's (``FOR UPDATE``), so
    every guarded update matches; if one did not, the batch is rolled back and nothing is sent."""
    cfg = services.settings.sweep
    with services.unit_of_work() as session:
        conn = session.connection()
        alarms = conn.execute(_DUE, {"now": now, "batch": cfg.batch}).all()
        if not alarms:
            return 0
        tasks = _by_id(conn, _TASKS_BY_ID, {a.task_id for a in alarms if a.task_id})
        dossiers = _by_id(conn, _DOSSIERS_BY_ID, {a.dossier_id for a in alarms})
        dossier_alarms = {a.dossier_id for a in alarms if not a.task_id}
        open_steps: dict[int, list[Any]] = {}
        if dossier_alarms:
            for t in conn.execute(_OPEN_TASKS_OF, {"ids": sorted(dossier_alarms)}):
                open_steps.setdefault(t.dossier_id, []).append(t)
        people = Directory(conn)
        decided = _Decisions()
        for alarm in alarms:
            _decide(services, people, alarm, tasks.get(alarm.task_id), dossiers.get(alarm.dossier_id),
                    open_steps.get(alarm.dossier_id, []), now, decided)
        decided.write(conn, now, report)
        if decided.notices:  # one message for the batch: its notices are written in one transaction after the commit
            outbox.enqueue(session, services, None, "notify.staff", {"notices": decided.notices}, now)
    return len(alarms)


def _by_id(conn: Connection, stmt: Any, ids: Iterable[int]) -> dict[int, Any]:
    ids = sorted(ids)
    return {r.id: r for r in conn.execute(stmt, {"ids": ids})} if ids else {}


@dataclass
class _Decisions:
    """What one batch decided, written together (``write``)."""

    void: list[dict[str, Any]] = field(default_factory=list)
    move: list[dict[str, Any]] = field(default_factory=list)
    send: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)

    def write(self, conn: Connection, now: datetime, report: SweepReport) -> None:
        for stmt, rows in ((_VOID, self.void), (_MOVE, self.move), (_SEND, [r | {"now": now} for r in self.send])):
            if not rows:
                continue
            matched = conn.execute(stmt, rows).rowcount
            if conn.dialect.supports_sane_multi_rowcount and matched not in (-1, len(rows)):
                raise RuntimeError(f"deadline alarms changed under the sweep ({matched} of {len(rows)}): batch rolled back")
        report.voided += len(self.void)
        report.moved += len(self.move)
        report.sent += len(self.send)


def _decide(services: Services, people: Directory, alarm: Any, task: Any, dossier: Any, steps: list[Any],
            now: datetime, decided: _Decisions) -> None:
    """Send (with the notice to write), move or void one due alarm."""
    cfg, calendar = services.settings.sweep, services.calendar
    if dossier is None or (alarm.task_id and (task is None or task.state not in ACTIVE)) \
            or dossier.status not in RUNNING | STOPPED_CLOCK:
        decided.void.append({"alarm_id": alarm.id})
        return
    if dossier.status in STOPPED_CLOCK or (task is not None and task.state == TaskState.WAITING):
        decided.move.append({"alarm_id": alarm.id, "at": now + timedelta(minutes=cfg.recheck_minutes)})
        return
    if task is not None:
        at = step_moment(alarm.kind, calendar, cfg, task.ready_at, task.due_at)
    else:
        at = dossier_moment(alarm.kind, calendar, cfg, dossier.received_at, dossier.statutory_due_at or dossier.due_at)
    if at is None:
        decided.void.append({"alarm_id": alarm.id})
        return
    if at > now:
        decided.move.append({"alarm_id": alarm.id, "at": at})
        return
    users = _recipients(alarm.kind, people, dossier, task, steps)
    decided.send.append({"alarm_id": alarm.id, "who": ",".join(users)})
    if not users:
        log.warning("alarm %s (%s, dossier %s): nobody to tell", alarm.id, alarm.kind, dossier.code)
        return
    decided.notices.append(_payload(services, alarm.kind, users, dossier, task, steps))


def _recipients(kind: str, people: Directory, dossier: Any, task: Any, steps: list[Any]) -> list[str]:
    if task is not None:
        holders = people.holders(task.agency_id, task.role, task.division, task.claimed_by)
        if kind == STEP_NEAR_DUE:
            return holders
        if kind == STEP_OVERDUE:
            return unique(holders, people.heads(task.agency_id, task.division))
        return unique(people.heads(task.agency_id, task.division), people.directors(task.agency_id))
    holders = unique(*(people.holders(t.agency_id, t.role, t.division, t.claimed_by) for t in steps))
    if kind in (DOSSIER_NEAR_DUE, DOSSIER_DUE_SOON):
        return holders
    heads = unique(*(people.heads(t.agency_id, t.division) for t in steps))
    return unique(holders, heads, people.directors(dossier.agency_id))


def _payload(services: Services, kind: str, users: list[str], dossier: Any, task: Any,
             steps: list[Any]) -> dict[str, Any]:
    cfg = services.settings.sweep

    def local(moment: datetime | None) -> str:
        return moment.astimezone(services.calendar.tz).strftime("%H:%M %d/%m/%Y") if moment else "—"

    values: dict[str, Any] = {
        "code": dossier.code, "procedure": dossier.procedure_code,
        "due": local(dossier.statutory_due_at or dossier.due_at),
        "percent": round(cfg.warn_fraction * 100), "days_before": cfg.warn_days_before,
        "escalate_after": cfg.escalate_after_days,
    }
    if task is not None:
        values |= {"step": task.name, "step_due": local(task.due_at), "claimed_by": task.claimed_by or ""}
    else:
        values["steps"] = ", ".join(t.name for t in steps)
    dedup = f"{kind}:{dossier.id}:{task.id if task is not None else 0}"
    return {"kind": kind, "users": users, "dossier_id": dossier.id, "code": dossier.code, "dedup": dedup,
            "values": values}


__all__ = ["SweepReport", "arm", "fire", "refresh_calendar", "sweep"]
