"""Scheduled work: the outbox worker, the deadline sweep, the daily digest, transfers of competence,
the daily signed head of the audit tree (issue 10: published periodically), and the dashboard's
slowest steps computed each night (issue 9 at scale).

Any number of scheduler processes may run against one PostgreSQL: the outbox
is safe to share (each message is claimed by a conditional update), the sweep
claims its rows with ``FOR UPDATE SKIP LOCKED`` and sends each warning once (a
unique key per dossier, step and kind), the digest is recorded once a day, and
the daily transfers run under a PostgreSQL advisory lock so only one process
does them. SQLite: run one scheduler process.
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
from .sweeps.deadlines import SweepReport, sweep
from .sweeps.digest import send_digests

log = logging.getLogger(__name__)
DAILY_LOCK = 0x6D6F7463  # "motc": the advisory-lock key of the daily job
PUBLISH_LOCK = 0x6D6F7470  # "motp": the advisory-lock key of the head's publication
STATS_LOCK = 0x6D6F7473  # "mots": the advisory-lock key of the dashboard's nightly slowest steps


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


def run_sweep(services: Services) -> SweepReport:
    """One deadline sweep (warnings, escalations) and the closures of dossiers whose supplement did not come."""
    from .closing import close_due

    report = sweep(services)
    report.closed = close_due(services)
    if report.sent or report.armed or report.closed:
        log.info("sweep: %s", report)
    return report


def run_digest(services: Services) -> int:
    sent = send_digests(services)
    log.info("digest: %d people", sent)
    return sent


def run_publish(services: Services, folder: Path) -> int | None:
    """Add the new audit events to the Merkle tree and publish a signed head in ``folder``
    (``engine.quality.anchor``); the number of events added, or None when another process does it."""
    from .quality import anchor

    with leader(services, PUBLISH_LOCK) as is_leader:
        if not is_leader:
            return None
        with services.sessions() as session:
            published = anchor.publish(session, folder, services.now())
    log.info("audit tree: %d events added, head of size %d", published.added, published.head.tree_size)
    return published.added


def run_step_stats(services: Services) -> int | None:
    """The leader's dashboard's slowest steps of every agency over the last 90 days (``report_step_stats``);
    the rows written, or None when another process does it."""
    from .reports.dashboard import refresh_step_stats

    with leader(services, STATS_LOCK) as is_leader:
        if not is_leader:
            return None
        with services.sessions() as session:
            written = refresh_step_stats(session.connection(), services.now())
            session.commit()
    log.info("slowest steps: %d rows", written)
    return written


def build(services: Services, workflows: Path, outbox_seconds: float = 5.0,
          audit_folder: Path | None = None) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=str(services.calendar.tz))
    cfg = services.settings.sweep
    scheduler.add_job(dispatch_pending, "interval", seconds=outbox_seconds, args=[services],
                      id="outbox", max_instances=1, coalesce=True)
    scheduler.add_job(run_sweep, "interval", seconds=cfg.sweep_seconds, args=[services],
                      id="sweep", max_instances=1, coalesce=True)
    hour, minute = cfg.digest_hour_minute
    scheduler.add_job(run_digest, "cron", hour=hour, minute=minute, args=[services],
                      id="digest", max_instances=1, coalesce=True)
    scheduler.add_job(run_daily, "cron", hour=0, minute=5, args=[services, workflows],
                      id="daily", max_instances=1, coalesce=True)
    scheduler.add_job(run_step_stats, "cron", hour=0, minute=30, args=[services],
                      id="step_stats", max_instances=1, coalesce=True)
    if audit_folder is not None:  # the signed tree head, each day after the transfers
        scheduler.add_job(run_publish, "cron", hour=0, minute=15, args=[services, audit_folder],
                          id="publish", max_instances=1, coalesce=True)
    return scheduler
