"""Alembic environment: the engine comes from MotCua's config, or from -x url=..."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import engine.quality.models  # noqa: F401  (conformance, nonconformities, internal audits, targets: issue 10)
import engine.storage.accounts  # noqa: F401  (users and API tokens: api/, issue 4)
import engine.storage.alerts  # noqa: F401  (deadline alarms, notifications, calendar days: issue 8)
import engine.storage.decisions  # noqa: F401  (decisions applied to the catalogue: issue 3)
import engine.storage.drafts  # noqa: F401  (the analyst's drafts of definitions: issue 11)
import engine.storage.idempotency  # noqa: F401  (idempotency keys of creating requests: issue 12)
import engine.storage.web_sessions  # noqa: F401  (server-side web sessions: issue 12)
from engine.storage.models import Base

config = context.config
bind = config.attributes.get("engine")  # not named ``engine``: that is the package imported above
if bind is None:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    bind = create_engine(str(url))

with bind.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
