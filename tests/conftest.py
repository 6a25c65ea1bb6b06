"""Shared fixtures: a real database (SQLite file and PostgreSQL), the real catalogue, a fixed clock.

Engine and storage tests take ``services`` and so run twice, once per database.
PostgreSQL is required (CI starts it); set MOTCUA_TEST_SKIP_PG=1 only to work offline.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

import handlers  # noqa: F401  (registers outbox handlers)
from engine import Actor, Commands, FixedClock, Services, Settings, WorkingCalendar
from engine.catalogue_sync import sync_catalog
from engine.definitions import load_catalog, procedure_from_data
from engine.storage.db import make_engine, migrate, scratch_database, session_factory
from tests.data import OTHER_FIELDS
from tests.helpers import (  # the constants are also read from here by older imports
    AGENCY,
    BACKENDS,
    DIVISION,
    DIVISION_ROLES,
    PG_URL,
    ROOT,  # noqa: F401  (read from here by older imports)
    TZ,  # noqa: F401
    WORKFLOWS,
    local,
)

# Tables a test may write; emptied before each test (procedure versions and agencies stay).
VOLATILE = ("report_step_stats", "report_days", "report_spans", "report_dossiers", "act_as_grants", "issued_forms", "outbox", "audit_tree", "audit_events", "tasks",
            "rate_limits", "dossiers", "counters", "deadline_alarms", "notifications", "calendar_days",
            "conformance_checks", "nonconformities", "audit_samples", "internal_audits", "quality_targets")


def _variant(catalog, code: str, new_code: str, **changes):  # type: ignore[no-untyped-def]
    """A test-only copy of a real procedure under another code, with some fields changed."""
    data = {k: v for k, v in (dict(catalog.procedures[code].raw) | {"code": new_code} | changes).items() if v is not None}
    return procedure_from_data(data, f"test variant of {code}", set(catalog.agencies))


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database with the real catalogue loaded, plus test variants and the transcribed processes of
    other agencies' fields (tests/data/other_fields: not in the catalogue, used for divisions and calendar days)."""
    with scratch_database(request.param, PG_URL, tmp_path_factory.mktemp("db"), "motcua_test") as url:
        engine = make_engine(url)
        migrate(engine)
        catalog = load_catalog(WORKFLOWS, [WORKFLOWS / "procedures", OTHER_FIELDS])
        assert not catalog.errors, "\n".join(map(str, catalog.errors))
        pause = _variant(catalog, "1.001806", "9.900001", on_supplement="pause", name="Biến thể thử nghiệm: tạm dừng khi bổ sung")
        catalog.procedures[pause.code] = pause
        wait = _variant(catalog, "1.001806", "9.900011", supplement_wait={"working_days": 5},
                        name="Biến thể thử nghiệm: thời hạn bổ sung 5 ngày làm việc")
        catalog.procedures[wait.code] = wait
        unknown = _variant(catalog, "1.001806", "9.900012", unconfirmed=["deadline"],
                           name="Biến thể thử nghiệm: thời hạn đang cập nhật")
        catalog.procedures[unknown.code] = unknown
        # Every procedure of the catalogue is published by a 2025 decision; the commune lists before 1/7/2025 need one
        # in force earlier (no published_by: in force from the sync below).
        early = _variant(catalog, "1.004946", "9.900013", name="Biến thể thử nghiệm: thủ tục cấp xã có hiệu lực trước năm 2025",
                         published_by=None)
        catalog.procedures[early.code] = early
        civil = _variant(catalog, "1.001806", "9.900002", counting="civil_code", name="Biến thể thử nghiệm: cách tính Bộ luật Dân sự")
        catalog.procedures[civil.code] = civil
        with session_factory(engine)() as session:
            sync_catalog(session, catalog, local(2025, 1, 1, 8, 0))
            session.commit()
        yield engine
        engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(local(2026, 3, 2, 8, 0))  # a Monday morning


@pytest.fixture
def services(database: Engine, clock: FixedClock) -> Services:
    with database.begin() as conn:
        for table in VOLATILE:
            conn.execute(text(f"DELETE FROM {table}"))
    calendar = WorkingCalendar.from_yaml(WORKFLOWS / "calendar.yaml")
    return Services(session_factory(database), calendar, clock, Settings(allow_unconfirmed=True))


@pytest.fixture
def commands(services: Services) -> Commands:
    return Commands(services)


@pytest.fixture
def staff() -> dict[str, Actor]:
    roles = ("one_stop", "specialist", "division_head", "director", "clerk")
    people = {role: Actor(f"{role}1", role, AGENCY, name=f"Cán bộ {role}", unit=DIVISION if role in DIVISION_ROLES else None)
              for role in roles}
    people["outsider"] = Actor("specialist_noivu", "specialist", "cb-so-noi-vu")
    people["admin"] = Actor("admin", "administrator", None)
    people["analyst"] = Actor("analyst1", "analyst", None)
    return people
