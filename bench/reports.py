"""Reports benchmark: II.06a, the leader's dashboard and staff search over a province's two years on PostgreSQL.

A bulk generator writes rows of the shape the commands write (``dossiers``, ``report_dossiers``,
``report_spans``, ``tasks``) with COPY, then sums the facts into ``report_days`` as migration 0019 does: a realistic mix over two years (every procedure of the
catalogue, every agency, online/direct/postal, refusals at intake, withdrawals, closures for want of
a supplement, supplements that restart the clock, transfers, late results, apologies, dossiers still
open). Then it times, each several times after a warm-up:

- II.06a, one year, all agencies (bar ≤ 2 s);
- II.06a, one agency, one quarter (bar ≤ 300 ms);
- the leader's dashboard of one agency (open work, on-time this period and the last, slowest steps,
  overdue dossiers) (bar ≤ 300 ms);
- staff search as a director, as its page runs it: the first page of 50 with the count, the next page by
  its cursor; code prefix, ID number, phone, folded name (bar p95 ≤ 100 ms); and the Excel export's 500 rows;

and prints the figures and the plans (EXPLAIN ANALYZE) of the report's statements.

Usage: python bench/reports.py [--size 1000000] [--pg URL] [--plans]
       python bench/reports.py --db URL --state FILE [--build] [--plans]

With ``--db`` the data goes to that database itself (a database of its own, made with ``createdb``) and
stays there: ``--build`` writes it and the samples the timings need to ``--state``; without ``--build``
the script only times, so one build can be measured before and after ``alembic upgrade``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Actor  # noqa: E402
from engine.catalogue_sync import sync_catalog  # noqa: E402
from engine.definitions import load_catalog  # noqa: E402
from engine.reports import dashboard, ii06a, summary  # noqa: E402
from engine.reports.periods import period  # noqa: E402
from engine.reports.search import COUNT_CAP, LIMIT, PER_PAGE, Criteria, search, search_page  # noqa: E402
from engine.storage.db import make_engine, migrate, scratch_database, session_factory  # noqa: E402
from engine.text import fold  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = datetime(2024, 12, 1, tzinfo=TZ)
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thu", "Quốc", "Thanh", "Xuân")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Khánh", "Lan", "Linh", "Mai", "Nam", "Oanh",
         "Phong", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến")


def catalogue(engine: Any) -> list[tuple[int, str, str, str, str]]:
    """(version id, code, agency, field, level) of every procedure version, after loading the real catalogue."""
    migrate(engine)
    with session_factory(engine)() as session:
        sync_catalog(session, load_catalog(ROOT / "workflows"), START)
        session.commit()
        rows = session.execute(text("SELECT id, code, agency_id, field, definition FROM procedure_versions")).all()
    return [(r.id, r.code, r.agency_id, r.field, (r.definition or {}).get("level", "province")) for r in rows]


def generate(engine: Any, size: int, seed: int = 2026) -> dict[str, Any]:
    """Write ``size`` dossiers and their facts, spans and tasks with COPY; return what the queries need."""
    rng = random.Random(seed)
    versions = catalogue(engine)
    weights = [rng.paretovariate(1.2) for _ in versions]  # a few procedures take most dossiers
    span_days = (NOW - START).days
    # One connection per table: a connection runs one COPY at a time. The report tables have no foreign
    # keys; tasks reference dossiers, so they are copied after the dossiers are committed.
    raws = [engine.raw_connection() for _ in range(3)]
    task_rows: list[tuple[Any, ...]] = []
    d_cols = ["id", "code", "procedure_version_id", "procedure_code", "variant", "agency_id", "receiving_agency_id", "channel", "status", "result", "applicant", "documents", "registered_at", "received_at", "statutory_due_at", "due_at", "supplement_count", "extended_at", "resolved_at", "returned_at", "timeliness", "audit_seq", "audit_head", "version"]
    f_cols = ["dossier_id", "code", "applicant_fold", "id_number", "phone", "procedure_code", "procedure_version_id", "field", "level", "channel", "receiving_agency", "registered_at", "received_at", "received_month", "agency_received", "ended_at", "ended_month", "agency_ended", "outcome", "timeliness", "apology_at", "agency_apology", "returned_at"]
    s_cols = ["dossier_id", "seq", "agency_id", "state", "due_at", "started_at", "ended_at"]
    t_cols = ["dossier_id", "step_id", "name", "kind", "role", "agency_id", "unit", "division", "state", "in_route", "ready_at", "due_at", "claimed_by", "claimed_at", "completed_by", "completed_at", "outcome", "timeliness"]
    samples: dict[str, list[str]] = {"code": [], "id_number": [], "phone": [], "name": []}
    counter: dict[tuple[str, str], int] = {}
    started = time.perf_counter()

    def month(at: datetime) -> int:
        local = at.astimezone(TZ)
        return local.year * 100 + local.month

    with raws[0].cursor().copy(f"COPY dossiers ({', '.join(d_cols)}) FROM STDIN") as cd, \
         raws[1].cursor().copy(f"COPY report_dossiers ({', '.join(f_cols)}) FROM STDIN") as cf, \
         raws[2].cursor().copy(f"COPY report_spans ({', '.join(s_cols)}) FROM STDIN") as cs:
        ct = task_rows
        for i in range(1, size + 1):
            vid, code, agency, field, level = rng.choices(versions, weights)[0]
            registered = START + timedelta(days=rng.random() * span_days, hours=rng.choice((0, 1, 2, 6, 8, 9)))
            channel = rng.choices(("online", "direct", "postal"), (35, 55, 10))[0]
            day = registered.astimezone(TZ).strftime("%y%m%d")
            serial = counter[(agency, day)] = counter.get((agency, day), 0) + 1
            dcode = f"{agency.upper()}-{day}-{serial:04d}"
            name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            id_number, phone = f"0{rng.randrange(10**10, 10**11)}", f"09{rng.randrange(10**7, 10**8)}"
            applicant = json.dumps({"name": name, "id_number": id_number, "phone": phone}, ensure_ascii=False)
            due = registered + timedelta(days=rng.choice((3, 5, 7, 10, 14, 20, 30)))
            roll = rng.random()
            received: datetime | None = registered
            ended: datetime | None = None
            outcome = klass = apology = status = result = None
            spans: list[tuple[str, str, datetime, datetime, datetime | None]] = []
            if roll < 0.03:
                received, outcome, status, ended = None, "not_received", "not_received", registered
            else:
                took = timedelta(days=rng.expovariate(1 / ((due - registered).days * 0.7)))
                finish = registered + took
                state_agency = agency
                start = registered
                if rng.random() < 0.1:  # a supplement: the clock restarts when it arrives
                    asked = registered + took / 3
                    back = asked + timedelta(days=rng.uniform(1, 12))
                    spans.append((agency, "working", due, start, asked))
                    spans.append((agency, "supplement", due, asked, back))
                    due = back + (due - registered)
                    start, finish = back, back + took * 2 / 3
                if rng.random() < 0.02:  # a transfer of competence half-way
                    half = start + (finish - start) / 2
                    spans.append((state_agency, "working", due, start, half))
                    state_agency, start = versions[rng.randrange(len(versions))][2], half
                if finish > NOW:  # still in progress
                    spans.append((state_agency, "working", due, start, None))
                    status = "processing"
                else:
                    spans.append((state_agency, "working", due, start, finish))
                    ended = finish
                    r = rng.random()
                    outcome = "withdrawn" if r < 0.02 else "closed" if r < 0.03 else "refused" if r < 0.07 else "approved"
                    status = {"withdrawn": "stopped", "closed": "closed"}.get(outcome, "returned")
                    result = outcome if outcome in ("approved", "refused") else None
                    if outcome in ("withdrawn", "closed"):
                        klass = "on_time"
                    elif rng.random() < 0.02:
                        apology, klass = finish - timedelta(days=2), "late"
                    else:
                        klass = "late" if finish > due else "early" if finish.date() < due.date() else "on_time"
                agency = state_agency if ended else agency
            cd.write_row((i, dcode, vid, code, "", agency, agency, channel, status, result, applicant, "[]", registered,
                          received, due if received else None, due if received else None, 0, apology,
                          ended if result else None, ended if status == "returned" else None, klass, 1, "", 1))
            cf.write_row((i, dcode, fold(name), id_number, phone, code, vid, field, level, channel, agency, registered,
                          received, month(received) if received else None, spans[0][0] if spans else agency, ended,
                          month(ended) if ended else None, agency if ended else None, outcome, klass, apology,
                          agency if apology else None, ended if status == "returned" else None))
            for seq, (where, state, sdue, s0, s1) in enumerate(spans, start=1):
                cs.write_row((i, seq, where, state, sdue, s0, s1))
            if ended is None and received is not None:
                ct.append((i, "appraise", "Thẩm định hồ sơ", "task", "specialist", spans[-1][0], "", None, "open", True,
                              spans[-1][3], spans[-1][3] + timedelta(days=3), None, None, None, None, None, None))
            elif ended is not None and ended > NOW - timedelta(days=100):
                for step, role, frac in (("intake", "one_stop", 0.05), ("appraise", "specialist", 0.6), ("approve", "director", 0.35)):
                    t0 = ended - (ended - registered) * frac
                    ct.append((i, step, step, "task", role, agency, "", None, "completed", True, t0 - timedelta(hours=1),
                                  t0 + timedelta(hours=rng.choice((2, 8, 30))), role, t0, role, t0,
                                  "done", rng.choice(("early", "on_time", "late"))))
            if i % 997 == 0:
                samples["code"].append(dcode[: len(dcode) - 2])
                samples["id_number"].append(id_number)
                samples["phone"].append(phone)
                samples["name"].append(fold(f"{name.split()[0]} {name.split()[-1]}") if rng.random() < 0.5 else name.split()[-1])
            if i % 100_000 == 0:
                print(f"  … {i:,} hồ sơ ({time.perf_counter() - started:.0f} s)", flush=True)
    for raw in raws:
        raw.commit()
    tasks_raw = engine.raw_connection()
    with tasks_raw.cursor().copy(f"COPY tasks ({', '.join(t_cols)}) FROM STDIN") as copy:
        for row in task_rows:
            copy.write_row(row)
    tasks_raw.commit()
    for raw in (*raws, tasks_raw):
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('dossiers', 'id'), (SELECT max(id) FROM dossiers))"))
        days = inspect(conn).has_table("report_days")
        if days:  # the day sums, from the facts as migration 0019 makes them
            began = time.perf_counter()
            print(f"  report_days: {summary.rebuild(conn, TZ):,} dòng ({time.perf_counter() - began:.0f} s)", flush=True)
        for table in ("dossiers", "report_dossiers", "report_spans", "tasks") + (("report_days",) if days else ()):
            conn.execute(text(f"ANALYZE {table}"))
    agencies = sorted({v[2] for v in versions})
    top = max(agencies, key=lambda a: sum(w for v, w in zip(versions, weights, strict=True) if v[2] == a))
    return {"samples": samples, "agency": top, "seconds": time.perf_counter() - started}


def timed(func: Any, runs: int = 5) -> tuple[float, list[float]]:
    func()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def plans(engine: Any, work: Any) -> list[str]:
    """EXPLAIN ANALYZE of each SELECT that ``work(conn)`` runs (as SQLAlchemy compiles it for PostgreSQL)."""
    from sqlalchemy import event

    captured: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    with engine.connect() as conn:
        work(conn)
    event.remove(engine, "before_cursor_execute", grab)
    out = []
    raw = engine.raw_connection()
    cur = raw.cursor()
    for statement, parameters in captured:
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + statement, parameters)
        plan = "\n".join(r[0] for r in cur.fetchall())
        # a search chunk's ids, a thousand numbers: their count says enough
        out.append(re.sub(r"'\{(\d+(?:,\d+)*)\}'", lambda m: f"'{{… {m.group(1).count(',') + 1} ids}}'", plan))
    raw.rollback()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--pg", default=PG_DEFAULT)
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN ANALYZE of the report's statements")
    parser.add_argument("--db", help="a database of its own, kept (instead of a scratch schema of --pg)")
    parser.add_argument("--state", type=Path, help="with --db: where the samples of the build are kept")
    parser.add_argument("--build", action="store_true", help="with --db: build the data first")
    args = parser.parse_args()
    if args.db:
        if args.state is None:
            parser.error("--db needs --state")
        engine = make_engine(args.db)
        if args.build:
            print(f"Tạo {args.size:,} hồ sơ (PostgreSQL, {args.db})…", flush=True)
            built = generate(engine, args.size)
            args.state.write_text(json.dumps(built, ensure_ascii=False))
        else:
            built = json.loads(args.state.read_text())
        measure(engine, built, args.plans)
        return
    with scratch_database("postgresql", args.pg, Path("."), "motcua_bench_reports") as url:
        engine = make_engine(url)
        print(f"Tạo {args.size:,} hồ sơ (PostgreSQL)…", flush=True)
        built = generate(engine, args.size)
        measure(engine, built, args.plans)


def board_of(conn: Any, agency: str) -> None:
    """The leader's dashboard's five statements, as /bao-cao/dieu-hanh runs them."""
    this = period("month", 2026, 12)
    dashboard.open_work(conn, agency, NOW)
    dashboard.on_time(conn, agency, this, TZ)
    dashboard.on_time(conn, agency, this.previous(), TZ)
    dashboard.slowest_steps(conn, agency, NOW)
    dashboard.overdue_dossiers(conn, agency, NOW)


def search_times(conn: Any, director: Actor, samples: dict[str, list[str]]) -> dict[str, dict[str, list[float]]]:
    """Staff search as /bao-cao/tra-cuu runs it, 50 samples of each kind: the first page, the page after it by its
    cursor (where there is one), and the Excel export's 500 rows (``search``, as the export and "print every
    result" read them). Milliseconds by what and kind."""
    out: dict[str, dict[str, list[float]]] = {"page": {}, "next": {}, "export": {}}

    def clock(what: str, kind: str, work: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        got = work(*args, **kwargs)
        out[what].setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
        return got

    for kind in ("code", "id_number", "phone", "name"):
        for i, value in enumerate(samples[kind][:50]):
            criteria = Criteria(**{kind: value})  # type: ignore[arg-type]
            if i % 2:  # the export first every other time: neither profits from the other's warm pages every time
                clock("export", kind, search, conn, director, criteria, TZ)
            first = clock("page", kind, search_page, conn, director, criteria, TZ)
            if first.next:
                clock("next", kind, search_page, conn, director, criteria, TZ, page=2, after=first.next)
            if not i % 2:
                clock("export", kind, search, conn, director, criteria, TZ)
    return out


def measure(engine: Any, built: dict[str, Any], show_plans: bool) -> None:
    """Time the report, the dashboard and search on the data ``built`` describes."""
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("dossiers", "report_dossiers", "report_spans", "tasks")}
    print(f"Dựng dữ liệu: {built['seconds']:.0f} s; {counts}; tải máy (load average) {os.getloadavg()}")
    agency = built["agency"]
    year, quarter = period("year", 2026), period("quarter", 2026, 3)
    results = {}
    with engine.begin() as conn:
        if inspect(conn).has_table("report_step_stats"):  # what the scheduler's nightly job 'step_stats' does
            t0 = time.perf_counter()
            rows = dashboard.refresh_step_stats(conn, NOW)
            print(f"Các bước chậm nhất (việc ban đêm): {rows} dòng, {(time.perf_counter() - t0) * 1000:.0f} ms", flush=True)
    with engine.connect() as conn:
        results["II.06a năm 2026, mọi cơ quan"] = timed(lambda: ii06a.compute(conn, year, TZ, None))
        results[f"II.06a quý 3/2026, {agency}"] = timed(lambda: ii06a.compute(conn, quarter, TZ, agency))
        results[f"Bảng điều hành, {agency}"] = timed(lambda: board_of(conn, agency))
        director = Actor("dir", "director", agency)
        samples = built["samples"]
        searched = search_times(conn, director, samples)
        total = ii06a.compute(conn, year, TZ, None).total.figures
    for name, (median, runs) in results.items():
        print(f"{name}: trung vị {median:.0f} ms (các lần: {', '.join(f'{t:.0f}' for t in runs)})")
    labels = {"page": f"trang đầu ({PER_PAGE} dòng và số đếm đến {COUNT_CAP})", "next": "trang sau (theo con trỏ)",
              "export": f"xuất Excel ({LIMIT} dòng, không dựng tệp)"}
    for what, by_kind in searched.items():
        times = [t for values in by_kind.values() for t in values]
        print(f"Tra cứu cán bộ, {labels[what]} ({len(times)} truy vấn: mã, số định danh, điện thoại, tên): "
              f"p50 {statistics.median(times):.1f} ms, p95 {p95(times):.1f} ms, max {max(times):.1f} ms")
        for kind, values in by_kind.items():
            print(f"  theo {kind} ({len(values)}): p50 {statistics.median(values):.1f} ms, p95 {p95(values):.1f} ms")
    print(f"Tổng năm 2026: {total}; tải máy (load average) {os.getloadavg()}")
    if show_plans:
        name = next(n for n in samples["name"] if " " not in n)  # a given name many share: pages 1 and 2 both read rows
        with engine.connect() as conn:
            after = search_page(conn, director, Criteria(name=name), TZ).next
        works = {
            "year, all": lambda conn: ii06a.compute(conn, year, TZ, None),
            "quarter, one agency": lambda conn: ii06a.compute(conn, quarter, TZ, agency),
            "dashboard": lambda conn: board_of(conn, agency),
            f"search page 1 by name '{name}'": lambda conn: search_page(conn, director, Criteria(name=name), TZ),
            f"search page 2 by name '{name}' (cursor)": lambda conn: search_page(conn, director, Criteria(name=name), TZ,
                                                                                  page=2, after=after),
        }
        for label, work in works.items():
            for i, plan in enumerate(plans(engine, work), start=1):
                print(f"\n--- plan {label} #{i}\n{plan}")
    engine.dispose()


if __name__ == "__main__":
    main()
