"""The scheduler's deadline sweep on a large PostgreSQL database (issue 8: ≤ 200 ms on 1,000,000 dossiers).

Builds a scratch schema with ``--size`` dossiers of 1.001806 (``--open`` of them in progress,
the rest returned), rows of the commands' shape written in bulk with ``generate_series``:
two completed steps per returned dossier; per dossier in progress a completed intake and
an open appraisal held by a specialist, due from two days ago to ten days ahead, with its
six alarms (three of the step, three of the dossier) already armed, those whose moment
has passed already sent. Then, ``--runs`` times: ``--due`` overdue alarms are put back to
pending and ``--new`` steps back to "not armed", and one ``sweep()`` is timed end to end
(arming, firing, the in-app notices written by the inline handler after the commit).
The empty sweep (nothing due, nothing new) is timed too.

Usage: python bench/sweep.py [--size 1000000] [--open 0.05] [--due 50] [--new 20] [--runs 15] [--pg URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import handlers  # noqa: E402,F401
from engine import FixedClock, Services, Settings, WorkingCalendar  # noqa: E402
from engine.catalogue_sync import sync_catalog  # noqa: E402
from engine.definitions import load_catalog  # noqa: E402
from engine.storage.accounts import hash_password  # noqa: E402
from engine.storage.db import make_engine, migrate, scratch_database, session_factory  # noqa: E402
from engine.sweeps.deadlines import SweepReport, arm, fire, refresh_calendar, sweep  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=TZ)  # a Wednesday morning
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
AGENCY, DIVISION = "cb-so-y-te", "btxh-tre-em"

BUILD = [
    # Dossiers: every 1/open-th one in progress (received in the last 10 days), the rest returned.
    """
    INSERT INTO dossiers (id, code, procedure_version_id, procedure_code, variant, agency_id, receiving_agency_id,
        channel, status, result, applicant, documents, registered_at, received_at, statutory_due_at, due_at,
        supplement_count, resolved_at, returned_at, timeliness, audit_seq, audit_head, version)
    SELECT g, 'BENCH-' || g, :pv, '1.001806', '', :agency, :agency, 'direct',
        CASE WHEN g % :every = 0 THEN 'processing' ELSE 'returned' END,
        CASE WHEN g % :every = 0 THEN NULL ELSE 'approved' END,
        '{"name": "Nguyễn Văn An", "phone": "0912345678"}', '[]',
        r, r, r + interval '14 days', r + interval '14 days', 0,
        CASE WHEN g % :every = 0 THEN NULL ELSE r + interval '10 days' END,
        CASE WHEN g % :every = 0 THEN NULL ELSE r + interval '11 days' END,
        CASE WHEN g % :every = 0 THEN NULL ELSE 'on_time' END, 7, repeat('0', 64), 8
    FROM (SELECT g, CASE WHEN g % :every = 0 THEN :now - (g % 14400) * interval '1 minute'
                         ELSE :now - interval '20 days' - (:n - g) * interval '1 minute' END AS r
          FROM generate_series(1, :n) g) s
    """,
    # Tasks: the completed intake of every dossier; the completed review of returned ones.
    """
    INSERT INTO tasks (dossier_id, step_id, name, kind, role, agency_id, unit, division, state, in_route, ready_at,
        due_at, claimed_by, completed_by, completed_at, outcome, timeliness, alarms_armed)
    SELECT d.id, s.step, s.step, 'task', s.role, :agency, '', NULL, 'completed', true, d.received_at,
        d.received_at + interval '8 hours', s.role || '1', s.role || '1', d.received_at + interval '1 hour', 'done',
        'on_time', true
    FROM dossiers d CROSS JOIN (VALUES ('intake', 'one_stop'), ('review', 'division_head')) s(step, role)
    WHERE s.step = 'intake' OR d.status = 'returned'
    """,
    # The open appraisal of each dossier in progress, held by one of ten specialists.
    """
    INSERT INTO tasks (dossier_id, step_id, name, kind, role, agency_id, unit, division, state, in_route, ready_at,
        due_at, claimed_by, alarms_armed)
    SELECT d.id, 'appraise', 'Thẩm định hồ sơ', 'task', 'specialist', :agency, '', :division, 'open', true,
        :now - interval '5 days' + (d.id % 7200) * interval '1 minute',
        :now - interval '2 days' + (d.id % 17280) * interval '1 minute',
        'specialist' || (d.id % 10), true
    FROM dossiers d WHERE d.status = 'processing'
    """,
    # Their alarms: near-due, overdue, escalation; and the dossier's three.
    """
    INSERT INTO deadline_alarms (dossier_id, task_id, kind, step_id, state, fire_at, sent_at, recipients)
    SELECT t.dossier_id, k.task, k.kind, CASE WHEN k.task = 0 THEN NULL ELSE 'appraise' END,
        CASE WHEN k.at <= :now THEN 'sent' ELSE 'pending' END, k.at,
        CASE WHEN k.at <= :now THEN k.at END, CASE WHEN k.at <= :now THEN t.claimed_by END
    FROM tasks t JOIN dossiers d ON d.id = t.dossier_id
    CROSS JOIN LATERAL (VALUES
        (t.id, 'step.near_due', t.due_at - (t.due_at - t.ready_at) * 0.2),
        (t.id, 'step.overdue', t.due_at),
        (t.id, 'step.escalated', t.due_at + interval '1 day'),
        (0, 'dossier.near_due', d.statutory_due_at - interval '2 days'),
        (0, 'dossier.due_soon', d.statutory_due_at - interval '1 day'),
        (0, 'dossier.overdue', d.statutory_due_at)) k(task, kind, at)
    WHERE t.state = 'open'
    """,
]


def build(engine, size: int, every: int) -> Services:  # type: ignore[no-untyped-def]
    migrate(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        sync_catalog(session, load_catalog(ROOT / "workflows"), NOW)
        session.commit()
        pv = session.execute(text("SELECT id FROM procedure_versions WHERE code = '1.001806' ORDER BY version DESC LIMIT 1")).scalar_one()
        password = hash_password("bench")
        people = [(f"specialist{i}", "specialist", DIVISION) for i in range(10)]
        people += [("division_head1", "division_head", DIVISION), ("director1", "director", None), ("one_stop1", "one_stop", None)]
        for user_id, role, division in people:
            session.execute(text("INSERT INTO users (id, name, role, agency_id, division, password_hash, active, created_at) "
                                 "VALUES (:id, :id, :role, :agency, :division, :pw, true, :now)"),
                            {"id": user_id, "role": role, "agency": AGENCY, "division": division, "pw": password, "now": NOW})
        session.commit()
    params = {"pv": pv, "agency": AGENCY, "division": DIVISION, "every": every, "n": size, "now": NOW}
    with engine.begin() as conn:
        for statement in BUILD:
            started = time.perf_counter()
            conn.execute(text(statement), params)
            print(f"  built in {time.perf_counter() - started:6.1f} s: {statement.split('(')[0].strip()}", flush=True)
        conn.execute(text("SELECT setval(pg_get_serial_sequence('dossiers', 'id'), (SELECT max(id) FROM dossiers))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    calendar = WorkingCalendar.from_yaml(ROOT / "workflows" / "calendar.yaml")
    return Services(sessions, calendar, FixedClock(NOW), Settings(allow_unconfirmed=True))


def prepare(engine, due: int, new: int) -> None:  # type: ignore[no-untyped-def]
    """``due`` overdue alarms back to pending, ``new`` open steps back to not armed (their alarms removed)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM notifications"))
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(text(
            "UPDATE deadline_alarms SET state = 'pending', sent_at = NULL WHERE id IN ("
            " SELECT id FROM deadline_alarms WHERE kind = 'step.overdue' AND fire_at <= :now"
            " ORDER BY fire_at DESC LIMIT :due)"), {"now": NOW, "due": due})
        ids = conn.execute(text("SELECT id FROM tasks WHERE state = 'open' ORDER BY id DESC LIMIT :new"),
                           {"new": new}).scalars().all()
        if ids:
            conn.execute(text("DELETE FROM deadline_alarms WHERE task_id = ANY(:ids)"), {"ids": list(ids)})
            conn.execute(text("UPDATE tasks SET alarms_armed = false WHERE id = ANY(:ids)"), {"ids": list(ids)})


def timed(services: Services) -> tuple[float, object]:
    started = time.perf_counter()
    report = sweep(services)
    return (time.perf_counter() - started) * 1000, report


def phases(services: Services) -> dict[str, float]:
    """One busy sweep by its phases (ms): arming, firing (with the notices written after its commit), and
    the client's CPU time of the whole; the rest of the wall time is the server's work and the commits."""
    report = SweepReport()
    cpu, wall = time.process_time(), time.perf_counter()
    refresh_calendar(services)
    t0 = time.perf_counter()
    while arm(services, report) == services.settings.sweep.batch:
        pass
    t1 = time.perf_counter()
    while fire(services, services.now(), report) == services.settings.sweep.batch:
        pass
    t2 = time.perf_counter()
    return {"calendar": (t0 - wall) * 1000, "arm": (t1 - t0) * 1000, "fire": (t2 - t1) * 1000,
            "total": (t2 - wall) * 1000, "client_cpu": (time.process_time() - cpu) * 1000}


def explain(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        due = conn.execute(text(
            "EXPLAIN SELECT id FROM deadline_alarms WHERE state = 'pending' AND fire_at <= :now "
            "ORDER BY fire_at, id LIMIT 500 FOR UPDATE SKIP LOCKED"), {"now": NOW}).scalars().all()
        unarmed = conn.execute(text(
            "EXPLAIN SELECT tasks.id FROM tasks JOIN dossiers ON dossiers.id = tasks.dossier_id "
            "WHERE NOT tasks.alarms_armed ORDER BY tasks.id LIMIT 500 FOR UPDATE OF tasks SKIP LOCKED")).scalars().all()
    return ["due alarms:", *due, "unarmed steps:", *unarmed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="dossiers in the database")
    parser.add_argument("--open", type=float, default=0.05, help="share of them in progress")
    parser.add_argument("--due", type=int, default=50, help="overdue alarms to send in each timed sweep")
    parser.add_argument("--new", type=int, default=20, help="new steps to arm in each timed sweep")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pg", default=PG_DEFAULT)
    args = parser.parse_args()
    every = max(1, round(1 / args.open))
    print(f"sweep bench: {args.size:,} dossiers, 1 in {every} in progress; PostgreSQL {args.pg}", flush=True)
    with tempfile.TemporaryDirectory() as directory, scratch_database("postgresql", args.pg, Path(directory), "bench_sweep") as url:
        engine = make_engine(url)
        started = time.perf_counter()
        services = build(engine, args.size, every)
        with engine.connect() as conn:
            counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                      for t in ("dossiers", "tasks", "deadline_alarms")}
        print(f"built in {time.perf_counter() - started:.0f} s: {counts}", flush=True)
        prepare(engine, args.due, args.new)
        timed(services)  # warm-up: caches, the calendar's days, prepared statements
        busy, empty = [], []
        for _ in range(args.runs):
            prepare(engine, args.due, args.new)
            ms, report = timed(services)
            busy.append(ms)
            ms_empty, _ = timed(services)
            empty.append(ms_empty)
        print(f"last busy sweep: {report}")
        split = []
        for _ in range(max(3, args.runs // 2)):
            prepare(engine, args.due, args.new)
            split.append(phases(services))
        print("busy sweep by phase, median ms: " + ", ".join(
            f"{k} {statistics.median(s[k] for s in split):.1f}" for k in split[0]))
        print("| sweep | median ms | p90 ms | max ms |")
        print("|---|---|---|---|")
        for name, values in ((f"{args.due} due + {args.new} new steps", busy), ("nothing due", empty)):
            ordered = sorted(values)
            p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
            print(f"| {name} | {statistics.median(values):.1f} | {p90:.1f} | {ordered[-1]:.1f} |")
        print("\n".join(explain(engine)))
        engine.dispose()


if __name__ == "__main__":
    main()
