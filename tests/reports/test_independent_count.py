"""II.06a from the facts equals a plain-Python count of the audit log, over a seeded mix, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from datetime import date

from engine.reports import ii06a
from engine.reports.periods import between, period
from tests.helpers import TZ
from tests.reports.independent import count
from tests.reports.mix import Mix, agencies_of

# Dossiers in the mix per backend: small enough for `make test` on a shared box (PostgreSQL's commands cost
# more here); MOTCUA_REPORT_MIX=3000 runs the few-thousand version.
N = {"sqlite": 80, "postgresql": 40}


def figures(report: ii06a.Report) -> dict[tuple[str, str, str], dict[str, int]]:
    return {(r.level, r.field, r.procedure): {k: v for k, v in r.figures.items() if v} for r in report.rows
            if any(r.figures.values())}


def test_report_equals_an_independent_count_of_the_audit_log(commands, services, clock, database):
    n = int(os.environ.get("MOTCUA_REPORT_MIX", 0)) or N[database.dialect.name]
    mix = Mix(commands, clock, agencies_of(commands), seed=9 if n >= 100 else 5)
    paths = mix.run(n)
    assert {"finished", "withdrawn", "refused_intake", "left_in_progress", "awaiting_supplement"} <= set(paths), paths
    periods = [period("month", 2026, 2), period("month", 2026, 3, cutoff=False), period("quarter", 2026, 1),
               period("half", 2026, 1), between(date(2026, 2, 14), date(2026, 2, 14)), between(date(2025, 1, 1), date(2027, 1, 1))]
    checked = 0
    with services.sessions() as session:
        conn = session.connection()
        for p in periods:
            for agency in (None, "cb-so-y-te", "cb-so-noi-vu"):
                report = ii06a.compute(conn, p, TZ, agency)
                start, end = p.instants(TZ)
                expected = count(conn, TZ, start, end, agency)
                assert figures(report) == {k: v for k, v in expected.items() if v}, (p.label, agency)
                t = report.total.figures
                checked += t["received_total"]
                if agency is None:  # every received dossier either ended or is still in progress
                    assert t["received_total"] == t["resolved_total"] + t["in_progress_total"], p.label
                assert t["resolved_total"] == t["early"] + t["on_time"] + t["late"]
                assert t["in_progress_total"] == t["within_time"] + t["overdue"]
    assert checked > n  # the periods did count dossiers
