"""Storage per dossier on PostgreSQL: what a closed 7-step dossier weighs, table by table and index by index.

Runs ``--n`` full lifecycles of 1.001806 through the engine's commands (bench/engine.py's lifecycle),
VACUUMs, and divides each table's heap and each index by the number of dossiers: the dossier row, its
task rows, its audit events (the hash chain), and the outbox and issued forms it leaves behind.

Usage: python bench/storage.py [--n 500] [--pg URL]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.storage.db import make_engine, scratch_database  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_engine", ROOT / "bench" / "engine.py")
assert _spec is not None and _spec.loader is not None
bench_engine = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_engine)

TABLES = ("dossiers", "tasks", "audit_events", "outbox", "issued_forms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--pg", default=os.environ.get("MOTCUA_TEST_PG_URL", bench_engine.PG_DEFAULT))
    args = parser.parse_args()
    with scratch_database("postgresql", args.pg, Path(tempfile.mkdtemp()), "motcua_storage") as url:
        engine = make_engine(url)
        try:
            lifecycle, _ = bench_engine.engine_lifecycle(engine)
            for i in range(args.n):
                lifecycle(i)
            with engine.connect() as conn:
                # What the scheduler's sweep does to every step it finds (engine.sweeps.deadlines.arm marks
                # completed ones armed too): without a scheduler, the partial index of unarmed steps would
                # hold every step ever taken, which no running system has.
                conn.execute(text("UPDATE tasks SET alarms_armed = true WHERE NOT alarms_armed"))
                conn.commit()
                auto = conn.execution_options(isolation_level="AUTOCOMMIT")
                auto.execute(text("VACUUM ANALYZE"))
                report("after VACUUM (the space of updated rows' old versions stays in the tables, to be reused)", measure(conn))
                auto.execute(text("VACUUM FULL ANALYZE"))
                report("after VACUUM FULL (live rows and index entries only: the long-run cost of a closed dossier)", measure(conn))
        finally:
            engine.dispose()


def measure(conn: Any) -> tuple[Any, ...]:
    dossiers = conn.execute(text("SELECT count(*) FROM dossiers WHERE status = 'returned'")).scalar_one()
    events = conn.execute(text("SELECT count(*) FROM audit_events WHERE dossier_id IS NOT NULL")).scalar_one()
    payload = conn.execute(text(
        "SELECT avg(pg_column_size(a.*)), avg(pg_column_size(a.before) + pg_column_size(a.after)), "
        "avg(pg_column_size(a.hash) + pg_column_size(a.prev_hash) + pg_column_size(a.chain)) FROM audit_events a"
    )).one()
    rows = conn.execute(text(
        "SELECT c.relname, i.relname, pg_relation_size(c.oid), pg_relation_size(i.oid) "
        "FROM pg_class c LEFT JOIN pg_index x ON x.indrelid = c.oid LEFT JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE c.relname = ANY(:t) AND c.relnamespace = current_schema()::regnamespace ORDER BY 1, 2"
    ), {"t": list(TABLES)}).all()
    toast = dict(conn.execute(text(
        "SELECT c.relname, COALESCE(pg_total_relation_size(c.reltoastrelid), 0) FROM pg_class c "
        "WHERE c.relname = ANY(:t) AND c.relnamespace = current_schema()::regnamespace"), {"t": list(TABLES)}).all())
    return dossiers, events, payload, rows, toast


def report(title: str, measured: tuple[Any, ...]) -> None:
    dossiers, events, payload, rows, toast = measured
    print(f"\n== {title}\n{dossiers} closed dossiers of 1.001806 (7 steps), {events / dossiers:.1f} audit events each; "
          f"an audit row {payload[0]:.0f} B on average, of which before/after {payload[1]:.0f} B, hashes and chain {payload[2]:.0f} B\n")
    print(f"{'table / index':<48} {'B per dossier':>14}")
    total = 0.0
    heaps: dict[str, int] = {}
    per_table = {t: 0.0 for t in TABLES}
    for table, index, heap, size in rows:
        if table not in heaps:
            heaps[table] = heap + toast.get(table, 0)
            total += heaps[table] / dossiers
            per_table[table] += heaps[table] / dossiers
            print(f"{table + ' (heap + toast)':<48} {heaps[table] / dossiers:>14.0f}")
        if index is not None:
            total += size / dossiers
            per_table[table] += size / dossiers
            print(f"  {index:<46} {size / dossiers:>14.0f}")
    print(f"{'total':<48} {total:>14.0f}")
    print(f"per closed dossier, heap + toast + every index: dossier row and steps {per_table['dossiers'] + per_table['tasks']:.0f} B; "
          f"with its audit events {per_table['dossiers'] + per_table['tasks'] + per_table['audit_events']:.0f} B; "
          f"outbox and issued forms (the slips' content) {per_table['outbox'] + per_table['issued_forms']:.0f} B more")


if __name__ == "__main__":
    main()
