"""Engine benchmark: full dossier lifecycles through the commands vs bare SpiffWorkflow.

Each lifecycle drives one dossier of 1.001806 through its 7-step route
(intake → assign → appraise → review → approve → register → return) through the
engine's commands, completing each step without claiming it first (the completion
claims it in its own transaction, as a desk working its inbox does): one transaction
per command, with task rows, hash-chained audit events, the outbox and its receipt handler.

The baseline runs the same BPMN with SpiffWorkflow alone and saves the
workflow's standard JSON serialisation to the same database after each step,
one transaction per step, with no audit.

Usage: python bench/engine.py [--n 300] [--backends sqlite,postgresql] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import handlers  # noqa: E402,F401
from engine import Actor, Commands, FixedClock, Services, Settings, WorkingCalendar  # noqa: E402
from engine.catalogue_sync import sync_catalog  # noqa: E402
from engine.definitions import compiled_spec, load_catalog  # noqa: E402
from engine.simulate import Driver, OpenStep, planned  # noqa: E402
from engine.storage.db import make_engine, migrate, scratch_database, session_factory  # noqa: E402
from engine.storage.models import Task  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CODE = "1.001806"
OUTCOMES = {"intake": "done", "appraise": "propose_approval", "review": "agree", "approve": "sign"}
CHECKS = {"intake": ["complete", "scanned_signed"], "appraise": ["conditions_checked"]}
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def engine_lifecycle(engine):  # type: ignore[no-untyped-def]
    """Set up the engine on ``engine``; return (lifecycle(i), sizes()) for the timed loop and the byte counts."""
    migrate(engine)
    sessions = session_factory(engine)
    clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=TZ))
    with sessions() as session:
        sync_catalog(session, load_catalog(ROOT / "workflows"), clock.now())
        session.commit()
    services = Services(sessions, WorkingCalendar.from_yaml(ROOT / "workflows" / "calendar.yaml"), clock, Settings(allow_unconfirmed=True))
    commands = Commands(services)
    people = {r: Actor(f"{r}1", r, "cb-so-y-te", unit="btxh-tre-em" if r in ("specialist", "division_head") else None)
              for r in ("one_stop", "specialist", "division_head", "director", "clerk")}
    driver = Driver(commands, people, claim=False, read=next_step_reader(engine), choose=planned(OUTCOMES, CHECKS, "done"),
                    before_step=lambda step: step.kind == "intake" or clock.advance(minutes=5))

    def lifecycle(i: int) -> None:
        driver.run(commands.receive(people["one_stop"], CODE, {"name": f"Người nộp {i}"}, "direct", []))

    return lifecycle, lambda: storage_sizes(engine, commands, people, services)


def next_step_reader(engine):  # type: ignore[no-untyped-def]
    """The driver's way to find a dossier's open step, as a client reading its inbox.

    A plain driver connection in autocommit, outside SQLAlchemy: the baseline's driver finds its next
    step in memory, so the engine's driver should add as little as it can to the engine's time. It
    replaces the shared driver's default reader (a SQLAlchemy session per read).
    """
    sql = "SELECT id, step_id, role, kind, agency_id, division FROM tasks WHERE dossier_id = {} AND state = 'open'"
    if engine.dialect.name == "sqlite":
        conn = sqlite3.connect(engine.url.database, isolation_level=None)
        sql = sql.format("?")
    else:
        import psycopg

        conn = psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)
        sql = sql.format("%s")

    def ready(dossier_id: int) -> OpenStep:
        rows = conn.execute(sql, (dossier_id,)).fetchall()
        if len(rows) != 1:
            raise AssertionError(f"dossier {dossier_id}: {len(rows)} open steps")
        return OpenStep._make(rows[0])

    return ready


def storage_sizes(engine, commands, people, services) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Bytes stored per dossier (dossier row + its task rows, no audit), running and closed."""
    running = commands.receive(people["one_stop"], CODE, {"name": "Đang xử lý"}, "direct", [])
    with services.sessions() as session:
        task = session.execute(select(Task).where(Task.dossier_id == running.id, Task.state == "open")).scalar_one()
    commands.complete(people["one_stop"], task.id, "done", CHECKS["intake"])
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            row = "SELECT pg_column_size(d.*) FROM dossiers d WHERE d.id = :id"
            tasks = "SELECT COALESCE(SUM(pg_column_size(t.*)), 0) FROM tasks t WHERE t.dossier_id = :id"
        else:
            columns = [c[1] for c in conn.execute(text("PRAGMA table_info(dossiers)"))]
            row = "SELECT " + " + ".join(f"COALESCE(LENGTH(CAST({c} AS BLOB)), 0)" for c in columns) + " FROM dossiers WHERE id = :id"
            tcolumns = [c[1] for c in conn.execute(text("PRAGMA table_info(tasks)"))]
            tasks = "SELECT COALESCE(SUM(" + " + ".join(f"COALESCE(LENGTH(CAST({c} AS BLOB)), 0)" for c in tcolumns) + "), 0) FROM tasks WHERE dossier_id = :id"
        closed_id = conn.execute(text("SELECT id FROM dossiers WHERE status = 'returned' ORDER BY id DESC LIMIT 1")).scalar_one()
        size = {}
        for label, dossier_id in (("running", running.id), ("closed", closed_id)):
            size[label] = conn.execute(text(row), {"id": dossier_id}).scalar_one() + conn.execute(text(tasks), {"id": dossier_id}).scalar_one()
    return size


def baseline_lifecycle(engine):  # type: ignore[no-untyped-def]
    """Bare SpiffWorkflow: the same BPMN, its JSON saved after each step, no audit. Returns lifecycle(i) -> bytes."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.util.task import TaskState

    catalog = load_catalog(ROOT / "workflows")
    procedure = catalog.procedures[CODE]
    spec = compiled_spec(procedure.digest, catalog.bpmn_xml(procedure), None)
    serializer = BpmnWorkflowSerializer()
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_baseline (id INTEGER PRIMARY KEY, state TEXT NOT NULL)"))
        conn.execute(text("DELETE FROM bench_baseline"))

    def lifecycle(i: int) -> int:
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_baseline (id, state) VALUES (:id, :s)"), {"id": i, "s": state})
        while ready := workflow.get_tasks(state=TaskState.READY, manual=True):
            task = ready[0]
            task.data = {"outcome": OUTCOMES.get(task.task_spec.name, "done")}
            task.run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
            with engine.begin() as conn:
                conn.execute(text("UPDATE bench_baseline SET state = :s WHERE id = :id"), {"id": i, "s": state})
        return len(state.encode())

    return lifecycle


def timed(n: int, blocks: int, engine_run, baseline_run) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Run both in alternating blocks, so both meet the same background load.

    Returns the wall and CPU seconds of each, and the median over blocks of the ratio of the two
    (each block's engine time against the baseline block right after it): a burst of load from
    elsewhere on the machine moves one block's ratio, not the median.
    """
    for i in range(20):  # warm caches and the database
        engine_run(-1 - i)
        baseline_run(1_000_000 + i)
    out = {"wall": 0.0, "cpu": 0.0, "base_wall": 0.0, "base_cpu": 0.0, "base_bytes": 0.0}
    ratios = []
    size = max(1, n // blocks)
    for start in range(0, n, size):
        stop = min(n, start + size)
        block = {}
        for key, run in (("", engine_run), ("base_", baseline_run)):
            wall, cpu = time.perf_counter(), time.process_time()
            results = [run(i) for i in range(start, stop)]
            block[key] = time.perf_counter() - wall
            out[key + "wall"] += block[key]
            out[key + "cpu"] += time.process_time() - cpu
            if key:
                out["base_bytes"] = statistics.mean(results)
        ratios.append(block[""] / block["base_"])
    out["ratio"] = statistics.median(ratios)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", 300)))
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--blocks", type=int, default=30, help="alternating blocks of engine and baseline lifecycles")
    parser.add_argument("--pg", default=os.environ.get("MOTCUA_TEST_PG_URL", PG_DEFAULT))
    args = parser.parse_args()
    steps = 7
    print(f"MotCua engine benchmark: {args.n} lifecycles of {CODE} ({steps} steps, each completed unclaimed: the completion claims it), one process;")
    print(f"engine and baseline in {args.blocks} alternating blocks; ms/step is wall time (CPU time of this process in brackets);")
    print("ratio: median over blocks of engine/baseline wall time (ratio of the CPU totals in brackets)")
    print(f"{'backend':<11} {'lifecycles/s':>13} {'steps/s':>8} {'ms/step':>15} {'baseline ms/step':>17} {'ratio':>13} "
          f"{'B running':>10} {'B closed':>9} {'B baseline':>11}")
    for backend in args.backends.split(","):
        with scratch_database(backend, args.pg, Path(tempfile.mkdtemp()), "motcua_bench") as url:
            engine = make_engine(url)
            try:
                engine_run, sizes_of = engine_lifecycle(engine)
                t = timed(args.n, args.blocks, engine_run, baseline_lifecycle(engine))
                sizes = sizes_of()
            finally:
                engine.dispose()
        total = args.n * steps / 1000
        ours, base = t["wall"] / total, t["base_wall"] / total
        ours_cpu, base_cpu = t["cpu"] / total, t["base_cpu"] / total
        print(
            f"{backend:<11} {args.n / t['wall']:>13.1f} {args.n * steps / t['wall']:>8.1f} {ours:>7.2f} ({ours_cpu:.2f})"
            f" {base:>9.2f} ({base_cpu:.2f}) {t['ratio']:>5.2f} ({ours_cpu / base_cpu:.2f})"
            f" {sizes['running']:>10.0f} {sizes['closed']:>9.0f} {t['base_bytes']:>11.0f}"
        )


if __name__ == "__main__":
    main()
