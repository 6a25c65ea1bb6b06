"""Scale benchmark: the read side on 10k → 100k → 1M dossiers (PostgreSQL), built through the bulk import path.

The dossiers are made the way ``motcua import dossiers`` takes them from another system: an export
file (JSON lines) written here, shaped like a province's two years (95% closed, with every step of
their route; 5% open, received in the last month, waiting at a step along the way; all the catalogue's
procedures, a few of them popular), then loaded by ``engine.bulk.import_dossiers`` (COPY). The sizes
grow in one scratch schema: each size adds to the previous one.

At each size, every query a user can trigger on a list is timed through ``engine.queries`` as the
pages and the API call it (a session per call, as a request has): p50 and p95 of ``--runs`` calls
after a warm-up. ``--explain`` writes each query's statements with EXPLAIN (ANALYZE, BUFFERS) to
bench/scale-plans.md, and the table marks a query whose plan reads the dossiers table sequentially.

Usage: python bench/scale.py [--sizes 10000,100000,1000000] [--runs 30] [--pg URL] [--explain]
                             [--schema NAME] [--measure-only]

``--schema NAME`` builds in that schema (created when missing) and keeps it, so that a later run can
measure again after a change (``--measure-only``: migrate it to the head, which builds new indexes on
the populated tables, and time the queries at the size it holds). Without it, a scratch schema is used
and dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import (  # noqa: E402
    Actor,
    FixedClock,
    Services,
    Settings,
    WorkingCalendar,
    route,  # noqa: E402
)
from engine import queries as q  # noqa: E402
from engine.bulk import import_dossiers  # noqa: E402
from engine.catalogue_sync import sync_catalog  # noqa: E402
from engine.definitions import load_catalog  # noqa: E402
from engine.simulate import DETOURS  # noqa: E402
from engine.storage.db import make_engine, migrate, scratch_database, session_factory  # noqa: E402
from engine.storage.models import AgencyRow, ProcedureVersion  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=TZ)
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
            "Nông", "Lương", "Hà", "Triệu"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quang", "Thu", "Hồng", ""]
GIVEN = ["An", "Bình", "Cúc", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phong",
         "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến", "Khánh", "Lộc", "Phúc", "Thắng", "Hạnh", "Nhung"]


# ---------------------------------------------------------------------- the export

class Shape:
    """The catalogue's procedures with their forward path, and how often each is asked for."""

    def __init__(self, services: Services) -> None:
        with services.sessions() as session:
            rows = session.execute(select(ProcedureVersion.id, ProcedureVersion.code)).all()
            self.eid = dict(session.execute(select(AgencyRow.id, AgencyRow.eid)).all())
            self.procedures: list[tuple[str, str, str, list[list[str]]]] = []  # code, agency, variant, path
            seen = set()
            for vid, code in rows:
                if code in seen:
                    continue
                seen.add(code)
                loaded = services.version(session, vid)
                variant = loaded.procedure.variants[0].id
                path = self._path(loaded, variant)
                if path:
                    self.procedures.append((code, loaded.procedure.agency, variant, path))
        rng = random.Random(7)
        self.weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(self.procedures))]  # a few procedures are popular
        rng.shuffle(self.weights)
        self.agencies = sorted({p[1] for p in self.procedures})

    @staticmethod
    def _path(loaded: Any, variant: str) -> list[list[str]]:
        live = route.start(loaded.spec, variant if loaded.procedure.has_variants else "")
        path = []
        for _ in range(40):
            ready = route.ready_steps(live)
            if not ready:
                break
            step = loaded.procedure.step(ready[0])
            outcome = next((o for o in step.outcomes if o not in DETOURS), None)
            if outcome is None:
                return []
            route.complete(live, step.id, outcome)
            path.append([step.id, outcome])
        return path if route.is_finished(live) else []

    def rows(self, start: int, count: int, seed: int) -> list[dict[str, Any]]:
        rng = random.Random(seed)
        picks = rng.choices(self.procedures, self.weights, k=count)
        out = []
        for offset, (code, agency, variant, path) in enumerate(picks):
            i = start + offset
            is_open = rng.random() < 0.05
            span = timedelta(days=rng.uniform(0.5, 20))  # a closed dossier's time from receipt to return
            age = timedelta(days=rng.uniform(0, 30)) if is_open else span + timedelta(days=rng.uniform(1, 730))
            received = (NOW - age).replace(microsecond=0)
            row: dict[str, Any] = {
                "code": f"{self.eid.get(agency, 'CB')}-{received:%y%m%d}-{i:07d}", "procedure": code,
                "applicant": {"name": " ".join(w for w in (rng.choice(SURNAMES), rng.choice(MIDDLE), rng.choice(GIVEN)) if w),
                              "id_number": f"{rng.randrange(10**11, 10**12)}"},
                "channel": rng.choice(("direct", "direct", "online", "postal")), "received": received.isoformat(),
                "variant": variant,
            }
            if rng.random() < 0.1:
                row["agency"] = rng.choice(self.agencies)  # received at another desk
            if is_open:
                done = rng.randrange(0, max(1, len(path) - 1))  # not yet at the return step
                steps = path[:done]
                gap = max(age.total_seconds() / (done + 1), 60)
                row["steps"] = [[s, o, (received + timedelta(seconds=gap * (k + 1))).isoformat()] for k, (s, o) in enumerate(steps)]
                row["status"] = "processing" if done else "received"
            else:
                fate = rng.random()
                gap = span / len(path)
                row["steps"] = [[s, o, (received + gap * (k + 1)).isoformat()] for k, (s, o) in enumerate(path)]
                resolved = received + gap * (len(path) - 1)
                if fate < 0.98:
                    row |= {"status": "returned", "resolved": resolved.isoformat(), "returned": (received + span).isoformat()}
                elif fate < 0.99:
                    row |= {"status": "stopped", "steps": []}
                else:
                    row |= {"status": "not_received", "steps": []}
            out.append(row)
        return out


# ---------------------------------------------------------------------- timing

class Statements:
    """The statements one call sends, with their parameters (for EXPLAIN)."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.seen = engine, []

    def __enter__(self) -> list[tuple[str, Any]]:
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self.seen

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._note)

    def _note(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        self.seen.append((statement, parameters))


def timed(services: Services, call: Callable[[Any], Any], runs: int) -> tuple[float, float, float]:
    """p50 and p95 of the wall time of ``runs`` calls, and the median CPU time this process spent per call."""
    for _ in range(3):
        with services.sessions() as session:
            call(session)
    samples, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        with services.sessions() as session:
            call(session)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)], statistics.median(cpu)


def explain(engine: Any, services: Services, call: Callable[[Any], Any], repeat: int = 5) -> tuple[str, bool, float]:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement of one call; whether any reads dossiers sequentially;
    the server's time for the call's statements (planning and execution, ms; the median of ``repeat``
    runs of each), which the machine's load moves far less than the wall time of a call."""
    with Statements(engine) as seen, services.sessions() as session:
        call(session)
    plans = []
    scans = False
    server = 0.0
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            for statement, parameters in seen:
                times = []
                for _ in range(repeat):
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    plan = "\n".join(r[0] for r in cursor.fetchall())
                    times.append(sum(float(line.split(":")[1].split()[0]) for line in plan.splitlines()
                                     if line.startswith(("Planning Time", "Execution Time"))))
                server += statistics.median(times)
                scans |= "Seq Scan on dossiers" in plan
                plans.append(f"```sql\n{statement.strip()}\n```\n```\n{plan}\n```")
        raw.rollback()
    finally:
        raw.close()
    return "\n".join(plans), scans, server


def queries(services: Services, agency: str, sample_code: str, runs: int) -> dict[str, Callable[[Any], Any]]:
    desk = Actor("bench-desk", "one_stop", agency, name="Bench")
    director = Actor("bench-director", "director", agency, name="Bench")
    admin = Actor("bench-admin", "administrator", None, name="Bench")
    now = NOW

    def deep(actor: Actor, pages: int = 50) -> str | None:
        cursor = None
        with services.sessions() as session:
            for _ in range(pages):
                page = q.dossiers(session, actor, now=now, after=cursor)
                if not page.next:
                    break
                cursor = page.next
        return cursor

    staff_deep, admin_deep = deep(desk), deep(admin)
    with services.sessions() as session:
        total = q.inbox(session, desk).total
    last = max(1, math.ceil(total / 20))
    name = "Nguyễn Thị Lan"
    return {
        "staff list, page 1 (one-stop desk)": lambda s: q.dossiers(s, desk, now=now),
        "staff list, page 51 (cursor)": lambda s: q.dossiers(s, desk, now=now, after=staff_deep, page=51),
        "staff list, director": lambda s: q.dossiers(s, director, now=now),
        "administrator's list, page 1": lambda s: q.dossiers(s, admin, now=now),
        "administrator's list, page 51 (cursor)": lambda s: q.dossiers(s, admin, now=now, after=admin_deep, page=51),
        "search by part of a code (staff)": lambda s: q.dossiers(s, desk, now=now, q=sample_code[-9:]),
        "search by applicant name (staff)": lambda s: q.dossiers(s, desk, now=now, q=name),
        "search by part of a code (administrator)": lambda s: q.dossiers(s, admin, now=now, q=sample_code[-9:]),
        "overdue list, staff": lambda s: q.dossiers(s, desk, now=now, overdue=True),
        "overdue list, administrator": lambda s: q.dossiers(s, admin, now=now, overdue=True),
        "inbox page 1, one-stop desk": lambda s: q.inbox(s, desk),
        f"inbox last page ({last}), one-stop desk": lambda s: q.inbox(s, desk, page=last),
        "by code": lambda s: q.find_dossier(s, sample_code),
        "public status": lambda s: q.public_status(s, sample_code),
        "detail (with timeline)": lambda s: q.dossier_detail(s, admin, sample_code),
    }


# ---------------------------------------------------------------------- the run

def _import_one(url: str, path: Path) -> Any:
    """``motcua import dossiers``' function on one file, in a process of its own (a fresh engine)."""
    engine = make_engine(url, pool_size=1)
    services = Services(session_factory(engine), WorkingCalendar.from_yaml(ROOT / "workflows" / "calendar.yaml"), FixedClock(NOW),
                        Settings(allow_unconfirmed=True))
    try:
        report = import_dossiers(services, path, batch=5000)
    finally:
        engine.dispose()
    assert report.ok, report.problems[:5]
    return report


def imported(url: str, services: Services, paths: list[Path]) -> Any:
    """Import the export files, one process each when there are several; the reports summed."""
    if len(paths) == 1:
        report = import_dossiers(services, paths[0], batch=5000)
        assert report.ok, report.problems[:5]
        return report
    with ProcessPoolExecutor(len(paths), mp_context=multiprocessing.get_context("fork")) as pool:
        reports = list(pool.map(_import_one, [url] * len(paths), paths))
    total = reports[0]
    for other in reports[1:]:
        total.loaded += other.loaded
        total.closed += other.closed
        total.running += other.running
        total.tasks += other.tasks
    return total


@contextlib.contextmanager
def kept(pg_url: str, schema: str) -> Any:
    """The URL of a schema that outlives the run (created when missing)."""
    admin = make_engine(pg_url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    yield f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pg", default=os.environ.get("MOTCUA_TEST_PG_URL", PG_DEFAULT))
    parser.add_argument("--explain", action="store_true", help="write the plans to bench/scale-plans.md")
    parser.add_argument("--schema", help="build in this schema and keep it (created when missing)")
    parser.add_argument("--measure-only", action="store_true", help="with --schema: no import, measure what it holds")
    parser.add_argument("--jobs", type=int, default=1,
                        help="import the new dossiers as this many export files, each by its own process (one transaction each)")
    parser.add_argument("--plans-file", default=str(ROOT / "bench" / "scale-plans.md"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, dict[int, tuple[float, float, bool, float, float]]] = {}
    plans_out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, (kept(args.pg, args.schema) if args.schema else
                                                 scratch_database("postgresql", args.pg, Path(tmp), "motcua_scale")) as url:
        engine = make_engine(url)
        started = time.perf_counter()
        migrate(engine)
        print(f"migrated to the head in {time.perf_counter() - started:.1f} s", flush=True)
        sessions = session_factory(engine)
        clock = FixedClock(NOW)
        with sessions() as session:
            have = session.execute(text("SELECT count(*) FROM dossiers")).scalar_one()
            if not have:
                sync_catalog(session, load_catalog(ROOT / "workflows"), NOW - timedelta(days=800))
                session.commit()
        if args.measure_only:
            sizes = [have]
        services = Services(sessions, WorkingCalendar.from_yaml(ROOT / "workflows" / "calendar.yaml"), clock,
                            Settings(allow_unconfirmed=True))
        shape = Shape(services)
        print(f"{len(shape.procedures)} procedures, {len(shape.agencies)} agencies; {have:,} dossiers there", flush=True)
        for size in sizes:
            if size < have:
                continue
            paths = [Path(tmp) / f"export-{size}-{j}.jsonl" for j in range(args.jobs)]
            started = time.perf_counter()
            outs = [p.open("w", encoding="utf-8") for p in paths]
            for n, chunk in enumerate(range(have, size, 50_000)):
                for row in shape.rows(chunk, min(50_000, size - chunk), seed=chunk):
                    outs[n % args.jobs].write(json.dumps(row, ensure_ascii=False) + "\n")
            for out in outs:
                out.close()
            made = time.perf_counter() - started
            started = time.perf_counter()
            report = imported(url, services, [p for p in paths if p.stat().st_size]) if size > have else None
            loaded = time.perf_counter() - started
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
                sizes_mb = dict(conn.execute(text(
                    "SELECT relname, pg_total_relation_size(c.oid) / 1048576.0 FROM pg_class c "
                    "WHERE relname IN ('dossiers', 'tasks', 'audit_events') AND relnamespace = current_schema()::regnamespace"
                )).all())
            built = (f"export written in {made:.0f} s, imported {report.loaded:,} ({report.closed:,} closed, "
                     f"{report.running:,} open, {report.tasks:,} steps) in {loaded:.0f} s ({report.loaded / loaded:,.0f}/s)"
                     if report else "measured as it is")
            print(f"\n{size:,} dossiers: {built}; load {os.getloadavg()[0]:.1f}; MB: "
                  + ", ".join(f"{k} {v:.0f}" for k, v in sorted(sizes_mb.items())), flush=True)
            have = size
            with sessions() as session:
                agency = session.execute(text("SELECT agency_id FROM dossiers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")).scalar_one()
                sample = session.execute(text("SELECT code FROM dossiers ORDER BY id DESC LIMIT 1 OFFSET 17")).scalar_one()
            for name, call in queries(services, agency, sample, args.runs).items():
                p50, p95, cpu = timed(services, call, args.runs)
                plan, scans, server = explain(engine, services, call)
                key = name.split(" (")[0] if name.startswith("inbox last page") else name
                results.setdefault(key, {})[size] = (p50, p95, scans, server, cpu)
                print(f"  {name:<45} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  server {server:7.1f} ms  client CPU {cpu:6.1f} ms"
                      f"{'  SEQ SCAN on dossiers' if scans else ''}", flush=True)
                if plan and args.explain:
                    plans_out.append(f"### {name}, {size:,} dossiers\n\n{plan}\n")
        engine.dispose()
    print("\n| query | " + " | ".join(f"{s:,}" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name, by_size in results.items():
        cells = [f"{by_size[s][0]:.1f} / {by_size[s][1]:.1f} / {by_size[s][3]:.1f} / {by_size[s][4]:.1f}"
                 f"{' (seq scan)' if by_size[s][2] else ''}" if s in by_size else "—" for s in sizes]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nwall p50 / wall p95 / server / client CPU, ms; {platform.node()} {os.cpu_count()} cores, "
          f"{datetime.now():%Y-%m-%d %H:%M}, load {os.getloadavg()[0]:.1f}")
    if args.explain:
        Path(args.plans_file).write_text(
            "# Query plans of bench/scale.py\n\nGenerated by `python bench/scale.py --explain`; EXPLAIN (ANALYZE, BUFFERS) of each "
            "statement each query sends.\n\n" + "\n".join(plans_out), encoding="utf-8")


if __name__ == "__main__":
    main()
