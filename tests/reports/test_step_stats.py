"""The dashboard's slowest steps: the nightly job stores what the live computation gives, the page reads it while
fresh and computes live when it is stale or missing; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engine.reports import dashboard
from engine.reports.tables import STEP_STATS
from engine.scheduler import run_step_stats
from engine.simulate import Driver
from tests.helpers import AGENCY, APPLICANT, local


def without_as_of(rows: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    return [{k: (round(float(v), 6) if k in ("median", "p90") else v) for k, v in r.items() if k != "as_of"} for r in rows]


def test_the_nightly_figures_are_the_live_ones(commands, services, staff, clock) -> None:  # type: ignore[no-untyped-def]
    for day, hours in ((2, 1), (3, 30), (4, 5)):
        clock.set(local(2026, 2, day, 9, 0))
        dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT, "direct")
        clock.set(clock.now() + timedelta(hours=hours))
        Driver(commands, staff).run(dossier)
    now = local(2026, 3, 2, 8, 0)
    clock.set(now)
    with services.sessions() as session:
        conn = session.connection()
        live = {agency: dashboard.slowest_steps(conn, agency, now) for agency in (AGENCY, None)}
    assert live[AGENCY] and all("as_of" not in r for r in live[AGENCY])

    assert run_step_stats(services) > 0  # the scheduler's job, in its own transaction
    with services.sessions() as session:
        conn = session.connection()
        stored = {agency: dashboard.slowest_steps(conn, agency, now) for agency in (AGENCY, None)}
        assert all(r["as_of"] == now for r in stored[AGENCY] + stored[None])
        assert {a: without_as_of(rows) for a, rows in stored.items()} == {a: without_as_of(rows) for a, rows in live.items()}
        assert dashboard.slowest_steps(conn, "cb-so-noi-vu", now) == []  # no steps there: nothing stored, nothing live
        # A day and more later the stored figures are stale: the page computes them again.
        later = now + dashboard.STATS_FRESH + timedelta(minutes=1)
        assert all("as_of" not in r for r in dashboard.slowest_steps(conn, AGENCY, later))
        assert session.execute(select(func.count()).select_from(STEP_STATS)).scalar_one() == len(stored[AGENCY]) + len(stored[None])
