"""The dossier list at scale: keyset pages (cursor after / before), the visibility rule as a union of
index-friendly branches, totals capped and labelled, search by part of a code or of the applicant's name.

The dossiers come through ``motcua import``'s bulk path; both databases.
"""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from engine import Actor
from engine import queries as q
from engine.bulk import import_dossiers
from engine.errors import InvalidCommand
from tests.helpers import AGENCY, local

OTHER = "cb-so-noi-vu"


def _load(services, tmp_path: Path, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """``count`` returned dossiers of 1.001806 (Sở Y tế), one an hour, every third received at Sở Nội vụ's desk."""
    start = local(2026, 1, 5, 8, 0)
    rows = []
    for i in range(count):
        received = start + timedelta(hours=i)
        rows.append({
            "code": f"TEST-{i:04d}", "procedure": "1.001806", "applicant": {"name": "Phạm Thị Lan" if i % 10 == 0 else "Hoàng Văn Nam"},
            "received": received.isoformat(), "status": "returned", "resolved": (received + timedelta(days=2)).isoformat(),
            "returned": (received + timedelta(days=3)).isoformat(), **({"agency": OTHER} if i % 3 == 0 else {}),
        })
    path = tmp_path / "list.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert import_dossiers(services, path).ok
    return [r["code"] for r in reversed(rows)]  # newest first


def _walk(session, actor, now, per_page, **filters):  # type: ignore[no-untyped-def]
    pages = [q.dossiers(session, actor, now=now, per_page=per_page, **filters)]
    while pages[-1].next:
        pages.append(q.dossiers(session, actor, now=now, per_page=per_page, after=pages[-1].next, **filters))
    return pages


def test_cursor_pages_walk_the_whole_list_newest_first_and_back(services, tmp_path):
    newest_first = _load(services, tmp_path, 25)
    admin = Actor("admin", "administrator")
    with services.sessions() as session:
        pages = _walk(session, admin, services.now(), 10)
        assert [len(p.items) for p in pages] == [10, 10, 5]
        assert [i["code"] for p in pages for i in p.items] == newest_first
        assert pages[0].prev is None and pages[-1].next is None and all(p.total == 25 and p.total_exact for p in pages)
        back = q.dossiers(session, admin, now=services.now(), per_page=10, before=pages[2].prev)
        assert [i["code"] for i in back.items] == [i["code"] for i in pages[1].items] and back.prev and back.next
        first = q.dossiers(session, admin, now=services.now(), per_page=10, before=back.prev)
        assert [i["code"] for i in first.items] == newest_first[:10] and first.prev is None
        # By number, for the first pages: the same rows.
        assert [i["code"] for i in q.dossiers(session, admin, now=services.now(), per_page=10, page=2).items] == newest_first[10:20]
        with pytest.raises(InvalidCommand, match="con trỏ"):
            q.dossiers(session, admin, now=services.now(), per_page=10, page=101)
        with pytest.raises(InvalidCommand, match="không hợp lệ"):
            q.dossiers(session, admin, now=services.now(), after="abc")


def test_staff_see_their_agency_s_dossiers_and_those_received_at_their_desk_once_each(services, tmp_path):
    newest_first = _load(services, tmp_path, 12)
    received_at_other = [c for c in newest_first if int(c[-4:]) % 3 == 0]
    competent = Actor("d1", "director", AGENCY)
    desk = Actor("nv1", "one_stop", OTHER)
    stranger = Actor("x", "one_stop", "cb-ubnd-tinh")
    with services.sessions() as session:
        everything = _walk(session, competent, services.now(), 5)
        assert [i["code"] for p in everything for i in p.items] == newest_first  # each once, though at two branches
        assert everything[0].total == 12
        assert [i["code"] for p in _walk(session, desk, services.now(), 2) for i in p.items] == received_at_other
        assert q.dossiers(session, stranger, now=services.now()).total == 0


def test_totals_are_capped_and_labelled(services, tmp_path, monkeypatch):
    module = importlib.import_module("engine.queries.dossiers")  # the package's name ``dossiers`` is the function
    _load(services, tmp_path, 12)
    monkeypatch.setattr(module, "TOTAL_CAP", 5)
    with services.sessions() as session:
        page = q.dossiers(session, Actor("d1", "director", AGENCY), now=services.now(), per_page=3)
    assert (page.total, page.total_exact) == (5, False)
    assert page.as_dict()["total_exact"] is False


def test_search_by_part_of_the_code_or_the_applicant_s_name(services, tmp_path):
    _load(services, tmp_path, 25)
    admin = Actor("admin", "administrator")
    with services.sessions() as session:
        def codes(text: str) -> list[str]:
            return [i["code"] for p in _walk(session, admin, services.now(), 100, q=text) for i in p.items]

        assert codes("0017") == ["TEST-0017"]
        assert codes("thị lan") == ["TEST-0020", "TEST-0010", "TEST-0000"]
        assert codes("TEST-001") == [f"TEST-{i:04d}" for i in range(19, 9, -1)]
        assert codes("%") == [] and codes("_") == []  # wildcards are searched as themselves
        overdue = q.dossiers(session, admin, now=services.now(), overdue=True)
        assert overdue.total == 0


def test_migration_0014_runs_on_a_populated_database_and_back(database, services, tmp_path):
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from engine.storage.db import alembic_config, migrate

    newest_first = _load(services, tmp_path, 6)
    config = alembic_config(database)
    before = ScriptDirectory.from_config(config).get_revision("0014").down_revision
    names = {"ix_dossiers_registered", "ix_dossiers_agency_registered", "ix_dossiers_receiving_registered"}
    try:
        command.downgrade(config, str(before))
        assert not names & {i["name"] for i in inspect(database).get_indexes("dossiers")}
    finally:
        migrate(database)  # back to head on the populated tables (the session's database)
    indexes = {i["name"]: i for i in inspect(database).get_indexes("dossiers")}
    assert names <= set(indexes)
    assert indexes["ix_dossiers_agency_registered"]["column_names"] == ["agency_id", "registered_at", "id"]
    assert "ix_tasks_inbox_open" in {i["name"] for i in inspect(database).get_indexes("tasks")}
    if database.dialect.name == "postgresql":
        assert {"ix_dossiers_code_trgm", "ix_dossiers_applicant_trgm"} <= set(indexes)
    with services.sessions() as session:
        assert [i["code"] for i in q.dossiers(session, Actor("admin", "administrator"), now=services.now()).items] == newest_first


def _open(services, tmp_path: Path, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """``count`` open dossiers of 1.001806 waiting at appraisal, one an hour, due before ``services.now()`` for
    the even ones (overdue) and after it for the odd ones."""
    now = services.now()
    rows = []
    for i in range(count):
        received = now - timedelta(days=20, hours=count - i)
        rows.append({
            "code": f"OPEN-{i:04d}", "procedure": "1.001806", "applicant": {"name": "Lê Văn Bình"}, "received": received.isoformat(),
            "status": "processing", "steps": [["intake", "done"], ["assign", "done"]],
            "due": (now + timedelta(days=-1 if i % 2 == 0 else 3)).isoformat(),
        })
    path = tmp_path / "open.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert import_dossiers(services, path).ok
    return [r["code"] for r in reversed(rows)]


def test_an_open_step_elsewhere_and_the_overdue_filter_count_and_page_from_the_live_dossiers(services, tmp_path, monkeypatch):
    """The open-step branch (a step held at a third agency) and the overdue filter: pages and capped counts."""
    from sqlalchemy import update

    from engine.storage.models import Task

    module = importlib.import_module("engine.queries.dossiers")
    (tmp_path / "closed").mkdir()
    _load(services, tmp_path / "closed", 8)
    open_codes = _open(services, tmp_path, 6)
    third = "cb-ubnd-tinh"
    with services.sessions() as session:  # a coordination step: two dossiers' open steps are held at a third agency
        held = [c for c in open_codes[:2]]
        ids = [q.find_dossier(session, c).id for c in held]
        session.execute(update(Task).where(Task.dossier_id.in_(ids), Task.state == "open").values(agency_id=third))
        session.commit()
    coordinator, competent, admin = Actor("x", "specialist", third), Actor("d1", "director", AGENCY), Actor("admin", "administrator")
    overdue = [c for c in open_codes if int(c[-4:]) % 2 == 0]
    with services.sessions() as session:
        mine = _walk(session, coordinator, services.now(), 1)
        assert [i["code"] for p in mine for i in p.items] == held and mine[0].total == 2 and mine[0].total_exact
        assert [i["code"] for i in q.dossiers(session, coordinator, now=services.now(), overdue=True).items] == \
            [c for c in held if c in overdue]
        for actor in (competent, admin):
            pages = _walk(session, actor, services.now(), 2, overdue=True)
            assert [i["code"] for p in pages for i in p.items] == overdue
            assert (pages[0].total, pages[0].total_exact) == (3, True)
        monkeypatch.setattr(module, "TOTAL_CAP", 1)
        assert (q.dossiers(session, coordinator, now=services.now()).total_exact,
                q.dossiers(session, coordinator, now=services.now(), q="OPEN-0005").total) == (False, 1)


def test_migration_0018_builds_the_live_indexes_on_a_populated_database_and_back(database, services, tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    from engine.storage.db import alembic_config, migrate

    _open(services, tmp_path, 4)
    names = {"ix_dossiers_live_registered", "ix_dossiers_live_agency", "ix_dossiers_live_receiving"}
    config = alembic_config(database)
    try:
        command.downgrade(config, "0014")
        assert not names & {i["name"] for i in inspect(database).get_indexes("dossiers")}
    finally:
        migrate(database)
    indexes = {i["name"]: i for i in inspect(database).get_indexes("dossiers")}
    assert names <= set(indexes)
    assert indexes["ix_dossiers_live_agency"]["column_names"] == ["agency_id", "registered_at", "id", "status", "due_at"]
    with services.sessions() as session:
        page = q.dossiers(session, Actor("d1", "director", AGENCY), now=services.now(), overdue=True)
    assert [i["code"] for i in page.items] == ["OPEN-0002", "OPEN-0000"]


def test_a_search_with_many_matches_walks_the_branches_and_counts_up_to_the_search_cap(services, tmp_path, monkeypatch):
    """Past FEW_MATCHES matches (a common word) the search filters each branch's ordered walk; its total is
    counted up to SEARCH_TOTAL_CAP. The rows are the same either way."""
    module = importlib.import_module("engine.queries.dossiers")
    newest_first = _load(services, tmp_path, 25)
    director = Actor("d1", "director", AGENCY)
    with services.sessions() as session:
        few = [i["code"] for p in _walk(session, director, services.now(), 4, q="TEST-001") for i in p.items]
        monkeypatch.setattr(module, "FEW_MATCHES", 2)
        monkeypatch.setattr(module, "SEARCH_TOTAL_CAP", 6)
        pages = _walk(session, director, services.now(), 4, q="TEST-001")
        assert [i["code"] for p in pages for i in p.items] == few == [c for c in newest_first if c.startswith("TEST-001")]
        assert (pages[0].total, pages[0].total_exact) == (6, False)
        assert (q.dossiers(session, director, now=services.now(), q="0017").total, q.dossiers(session, director, now=services.now()).total) == (1, 25)
