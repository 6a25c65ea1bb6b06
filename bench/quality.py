"""Quality benchmark: the integrity checks, the tree, the conformance check and the XES export over N dossiers.

Builds N full lifecycles of 1.001806 through the commands (7 steps each, ~30 audit events per
dossier) on a scratch database, then times, once each:

- ``anchor.publish``: appending every event to the Merkle tree and signing a head;
- ``integrity.verify``: chains + dossiers against their events + the tree against the head;
- ``checks.run_closed``: the conformance check of every closed dossier (stored);
- ``export.xes``: the whole log as XES.

Usage: python bench/quality.py [--n 300] [--backend sqlite|postgresql] [--pg URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import handlers  # noqa: E402,F401
from engine import Actor, Commands, FixedClock, Services, Settings, WorkingCalendar  # noqa: E402
from engine.catalogue_sync import sync_catalog  # noqa: E402
from engine.definitions import load_catalog  # noqa: E402
from engine.quality import anchor, checks, export, heads, integrity  # noqa: E402
from engine.quality.queries import EventFilter, count_events  # noqa: E402
from engine.simulate import Driver, planned  # noqa: E402
from engine.storage.db import make_engine, migrate, scratch_database, session_factory  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OUTCOMES = {"intake": "done", "appraise": "propose_approval", "review": "agree", "approve": "sign"}
CHECKS = {"intake": ["complete", "scanned_signed"], "appraise": ["conditions_checked"]}


def timed(label: str, func, n: int) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = func()
    took = time.perf_counter() - started
    print(f"{label:<42} {took:8.2f} s   {1000 * took / n:7.2f} ms/dossier   ({result})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.backend, args.pg, Path(tmp), "motcua_bench_q") as url:
        engine = make_engine(url)
        migrate(engine)
        sessions = session_factory(engine)
        clock = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=TZ))
        with sessions() as session:
            sync_catalog(session, load_catalog(ROOT / "workflows"), clock.now())
            session.commit()
        services = Services(sessions, WorkingCalendar.from_yaml(ROOT / "workflows" / "calendar.yaml"), clock,
                            Settings(allow_unconfirmed=True))
        commands = Commands(services)
        people = {r: Actor(f"{r}1", r, "cb-so-y-te", unit="btxh-tre-em" if r in ("specialist", "division_head") else None)
                  for r in ("one_stop", "specialist", "division_head", "director", "clerk")}
        driver = Driver(commands, people, choose=planned(OUTCOMES, CHECKS, "done"))
        started = time.perf_counter()
        for _ in range(args.n):
            driver.run(commands.receive(people["one_stop"], "1.001806", {"name": "Nguyễn Văn An"}))
        with sessions() as session:
            events = count_events(session)
        print(f"{args.backend}: {args.n} dossiers, {events} audit events built in {time.perf_counter() - started:.1f} s")
        folder = Path(tmp) / "audit"
        heads.ensure_key(folder)

        def publish() -> str:
            with sessions() as session:
                return f"{anchor.publish(session, folder, clock.now()).head.tree_size} leaves"

        def verify() -> str:
            with sessions() as session:
                problems = [p for p in integrity.verify(session, folder) if p.broken]
            assert not problems, problems[:3]
            return "intact"

        def conformance() -> str:
            return f"{checks.run_closed(services)} checked"

        def xes() -> str:
            with sessions() as session:
                size = sum(len(piece) for piece in export.xes(session, EventFilter(), TZ, export.step_names(session)))
            return f"{size // 1024} KiB"

        timed("publish (tree + signed head)", publish, args.n)
        timed("audit verify (chains, replay, tree)", verify, args.n)
        timed("conformance check of every closed dossier", conformance, args.n)
        timed("XES export of the whole log", xes, args.n)
        engine.dispose()


if __name__ == "__main__":
    main()
