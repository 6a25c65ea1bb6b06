"""Scheduled work: the outbox worker and transfers of competence whose date has come.

Any number of scheduler processes may run against one PostgreSQL: the outbox
is safe to share (each message is claimed by a conditional update), and the
daily job runs under a PostgreSQL advisory lock so only one process does it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import text

from .audit import SYSTEM
from .outbox import dispatch_pending
from .services import Services

log = logging.getLogger(__name__)
DAILY_LOCK = 0x6D6F7463  # "motc": the advisory-lock key of the daily job


@contextmanager
def leader(services: Services, key: int) -> Iterator[bool]:
    """True for the one process that holds ``key`` (always True on SQLite: one process)."""
    bind = services.sessions.kw["bind"]
    if bind.dialect.name != "postgresql":
        yield True
        return
    with bind.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


def run_daily(services: Services, workflows: Path) -> dict[str, list[str]]:
    """Move dossiers for decisions whose transfer of competence takes effect today."""
    from .decisions import replay, run_due_transfers

    with leader(services, DAILY_LOCK) as is_leader:
        if not is_leader:
            return {}
        moved = run_due_transfers(services, replay(workflows), SYSTEM)
    for decision, codes in moved.items():
        log.info("decision %s: moved %d dossiers", decision, len(codes))
    return moved


def build(services: Services, workflows: Path, outbox_seconds: float = 5.0) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=str(services.calendar.tz))
    scheduler.add_job(dispatch_pending, "interval", seconds=outbox_seconds, args=[services],
                      id="outbox", max_instances=1, coalesce=True)
    scheduler.add_job(run_daily, "cron", hour=0, minute=5, args=[services, workflows],
                      id="daily", max_instances=1, coalesce=True)
    return scheduler
