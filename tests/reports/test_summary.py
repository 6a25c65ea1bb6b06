"""report_days (the facts summed per local day) equals an aggregate of the facts after a mixed lifecycle,
and `motcua report rebuild-facts` rebuilds it; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from click.testing import CliRunner
from sqlalchemy import delete, select

from api.cli import cli
from engine.reports.tables import DAYS, FACTS, SPANS
from tests.helpers import TZ
from tests.reports.mix import Mix, agencies_of

FLOWS = ("received", "received_online", "resolved_total", "early", "on_time", "late", "withdrawn", "refused",
         "closed_unsupplemented", "refused_intake", "apologies")
STOCKS = ("open_delta", "supplement_delta", "overdue_delta")


def stored(conn) -> dict[tuple, dict[str, int]]:  # type: ignore[no-untyped-def]
    """The day-rows, without the counters that are zero (nor rows whose changes cancelled out)."""
    out = {}
    for row in conn.execute(select(DAYS)).mappings():
        counters = {k: row[k] for k in FLOWS + STOCKS if row[k]}
        if counters:
            out[(row["day"], row["agency_id"], row["level"], row["field"], row["procedure_code"])] = counters
    return out


def day_of(moment: datetime) -> int:
    local = moment.astimezone(TZ).date()
    return local.year * 10000 + local.month * 100 + local.day


def flows_of_the_facts(conn) -> Counter:  # type: ignore[no-untyped-def]
    """Each flow counted again from report_dossiers, written out plainly (not summary.fact_counts)."""
    n: Counter = Counter()
    for f in conn.execute(select(FACTS)).mappings():
        dims = (f["level"], f["field"], f["procedure_code"])
        if f["received_at"] is not None:
            key = (day_of(f["received_at"]), f["agency_received"], *dims)
            n[key, "received"] += 1
            n[key, "received_online"] += f["channel"] == "online"
            if f["ended_at"] is not None and f["outcome"] != "not_received":
                key = (day_of(f["ended_at"]), f["agency_ended"], *dims)
                n[key, "resolved_total"] += 1
                if f["timeliness"]:
                    n[key, f["timeliness"]] += 1
                n[key, "withdrawn"] += f["outcome"] == "withdrawn"
                n[key, "refused"] += f["outcome"] == "refused"
                n[key, "closed_unsupplemented"] += f["outcome"] not in ("approved", "refused", "withdrawn")
        if f["outcome"] == "not_received":
            n[(day_of(f["registered_at"]), f["agency_received"], *dims), "refused_intake"] += 1
        if f["apology_at"] is not None:
            n[(day_of(f["apology_at"]), f["agency_apology"], *dims), "apologies"] += 1
    return +n


def test_the_summary_equals_an_aggregate_of_the_facts(commands, services, clock, database, monkeypatch) -> None:
    mix = Mix(commands, clock, agencies_of(commands), seed=5)
    paths = mix.run({"sqlite": 60, "postgresql": 30}[database.dialect.name])
    assert {"finished", "withdrawn", "refused_intake", "awaiting_supplement"} <= set(paths), paths
    with services.sessions() as session:
        conn = session.connection()
        kept = stored(conn)
        assert kept, "the commands wrote no day-rows"
        # Flows: each day-row's counters are those of the facts of that day.
        flows = {key: {k: v for k, v in counters.items() if k in FLOWS} for key, counters in kept.items()}
        expected = Counter()
        for (key, name), value in flows_of_the_facts(conn).items():
            expected[key, name] = value
        assert {(key, k): v for key, counters in flows.items() for k, v in counters.items()} == dict(expected)
        # Stocks: at every local midnight of the mix, the deltas of the days before it sum to the spans open then.
        s, f = SPANS.c, FACTS.c
        spans = list(conn.execute(select(s.agency_id, s.state, s.due_at, s.started_at, s.ended_at, f.level, f.field,
                                         f.procedure_code).join(FACTS, f.dossier_id == s.dossier_id)).mappings())
        first = min(sp["started_at"] for sp in spans).astimezone(TZ).date()
        checked = 0
        for offset in range(0, 200):
            day = first + timedelta(days=offset)
            moment = datetime.combine(day, time(), TZ)
            number = day.year * 10000 + day.month * 100 + day.day
            want: Counter = Counter()
            for sp in spans:
                if sp["started_at"] < moment and (sp["ended_at"] is None or sp["ended_at"] >= moment):
                    key = (sp["agency_id"], sp["level"], sp["field"], sp["procedure_code"])
                    want[key, "open"] += 1
                    want[key, "supplement"] += sp["state"] == "supplement"
                    want[key, "overdue"] += (sp["state"] == "working" and sp["due_at"] is not None
                                             and sp["due_at"] < moment)
            got: Counter = Counter()
            for key, counters in kept.items():
                if key[0] < number:
                    for name in ("open", "supplement", "overdue"):
                        got[key[1:], name] += counters.get(f"{name}_delta", 0)
            assert +got == +want, day
            checked += sum(v for (_, name), v in want.items() if name == "open")
        assert checked > 0
        session.rollback()

    # `motcua report rebuild-facts` replays the audit log and sums the facts again: the same day-rows.
    with services.sessions() as session:
        session.execute(delete(DAYS))
        session.commit()
    monkeypatch.setenv("DATABASE_URL", database.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(cli, ["report", "rebuild-facts"])
    assert result.exit_code == 0, result.output
    with services.sessions() as session:
        assert stored(session.connection()) == kept


def test_day_numbers_are_local_days() -> None:
    from engine.reports.summary import day_number, local_day

    assert day_number(date(2026, 3, 14)) == 20260314
    # 17:30 UTC on 13/03 is 00:30 on 14/03 in Hà Nội: the day the report counts it on.
    assert local_day(datetime(2026, 3, 13, 17, 30, tzinfo=TZ).astimezone(TZ), TZ) == 20260313
    from zoneinfo import ZoneInfo

    assert local_day(datetime(2026, 3, 13, 17, 30, tzinfo=ZoneInfo("UTC")), TZ) == 20260314


def test_migration_0019_fills_the_day_sums_on_a_populated_database_and_back(commands, services, clock, database) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from engine.storage.db import alembic_config, migrate

    Mix(commands, clock, agencies_of(commands), seed=5).run(12)
    with services.sessions() as session:
        kept = stored(session.connection())
    assert kept
    config = alembic_config(database)
    before = ScriptDirectory.from_config(config).get_revision("0019").down_revision  # whatever the chain says
    try:
        command.downgrade(config, str(before))
        assert not {"report_days", "report_step_stats"} & set(inspect(database).get_table_names())
    finally:
        migrate(database)  # back to head on the populated tables: 0019 sums the facts again
    with services.sessions() as session:
        assert stored(session.connection()) == kept
    indexes = {i["name"] for i in inspect(database).get_indexes("report_dossiers")}
    if database.dialect.name == "postgresql":
        assert {"ix_report_dossiers_applicant_trgm", "ix_report_dossiers_recent_name"} <= indexes
