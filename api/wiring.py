"""Build the engine's services from configuration (environment or Flask config)."""

from __future__ import annotations

import os
from pathlib import Path

from engine import Services, Settings, SystemClock, WorkingCalendar
from engine.clock import Clock
from engine.definitions.xmlfile import limits_from_env
from engine.storage.db import database_url, make_engine, session_factory
from engine.sweeps.config import SweepSettings

from .paths import WORKFLOWS


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def build_services(url: str | None = None, workflows: Path | None = None, clock: Clock | None = None) -> Services:
    """Services for DATABASE_URL (default: an SQLite file) and the workflows directory.

    The workflows directory (``workflows``, else ``MOTCUA_WORKFLOWS``, else the checkout's)
    is also what handlers read (``settings.workflows_dir``: forms.yaml).
    """
    import handlers  # noqa: F401  (registers the outbox handlers)

    root = workflows or WORKFLOWS
    calendar = WorkingCalendar.from_yaml(root / "calendar.yaml")
    settings = Settings(
        allow_unconfirmed=truthy(os.environ.get("MOTCUA_ALLOW_UNCONFIRMED")),
        workflows_dir=root,
        outbox_max_attempts=int(os.environ.get("MOTCUA_OUTBOX_MAX_ATTEMPTS") or Settings.outbox_max_attempts),
        bpmn_limits=limits_from_env(),
        sweep=SweepSettings.from_env(),
        notices_dir=Path(os.environ["MOTCUA_NOTICES"]) if os.environ.get("MOTCUA_NOTICES") else None,
    )
    engine = make_engine(url or database_url())
    return Services(session_factory(engine), calendar, clock or SystemClock(), settings)
