"""The pg_trgm extension for the trigram indexes of search (PostgreSQL only; the migrations that build them ask here)."""

from __future__ import annotations

import logging

import sqlalchemy as sa

log = logging.getLogger("alembic.runtime.migration")


def trgm_schema(bind: sa.engine.Connection) -> str | None:
    """The schema holding pg_trgm, creating the extension (in ``public``) if it is missing and allowed."""
    find = sa.text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
    schema = bind.execute(find).scalar()
    if schema is not None:
        return str(schema)
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except sa.exc.DBAPIError as exc:  # no privilege, not installed, or created meanwhile by another migration
        log.warning("CREATE EXTENSION pg_trgm: %s", str(exc.orig).splitlines()[0] if exc.orig else exc)
    schema = bind.execute(find).scalar()
    return None if schema is None else str(schema)
