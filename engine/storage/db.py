"""Database connection and schema migration."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///instance/motcua.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def database_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_URL)


def make_engine(url: str | None = None, **kwargs: object) -> Engine:
    """An SQLAlchemy engine; SQLite gets WAL, a busy timeout and foreign keys."""
    url = url or database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Checkpoint every ~40 MB of WAL instead of ~4 MB: a page written by many commands in a row
            # (a dossier's, an index's) is copied back into the database file once, not each time.
            cursor.execute("PRAGMA wal_autocheckpoint=10000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # No pre-ping: it cost a round trip per checkout (several per request). A connection the server
    # dropped fails its next statement instead; SQLAlchemy then invalidates the whole pool, so after a
    # database restart one request per process gets an error (a 500 the client may retry) and the rest
    # reconnect. Connections are also recycled after half an hour.
    kwargs.setdefault("pool_recycle", 1800)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _settings(dbapi_connection: Any, _record: Any) -> None:
        # JIT compilation switches on for large estimated costs (a list over a million dossiers) and
        # adds 100+ ms to statements that run in a few: the app's queries are short, keep it off.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision``; safe to run again."""
    command.upgrade(alembic_config(engine), revision)


@contextmanager
def scratch_database(backend: str, pg_url: str, directory: Path, prefix: str = "motcua_scratch") -> Iterator[str]:
    """The URL of an empty database of its own, for tests and benchmarks.

    SQLite: a new file in ``directory``. PostgreSQL: a new schema (named in the
    URL's ``search_path``), dropped with everything in it on exit.
    """
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'{prefix}_{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url, pool_size=1)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
