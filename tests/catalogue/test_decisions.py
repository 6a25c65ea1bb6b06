"""Decisions: the catalogue at several dates (from files), and their application through the engine.

The database tests run on SQLite and PostgreSQL: a dossier received before an
amendment finishes under its old version, new ones take the new version; an
abolished procedure refuses new dossiers naming the decision while those in
progress finish; a transfer moves dossiers in progress to the successor agency
as an audited event keeping their receipt and due times.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import Commands, DefinitionError, InvalidCommand
from engine.decisions import apply, load_decision, replay, run_due_transfers
from engine.storage.decisions import DecisionRow
from engine.storage.models import AuditEvent, Dossier, ProcedureVersion, Task
from tests.helpers import local

from .conftest import (
    ABOLISH,
    AMEND,
    ANALYST,
    BASELINE,
    DESK,
    PUBLISH,
    TRANSFER,
    write_decision,
)

ALL = [("0-baseline", BASELINE), ("1-transfer", TRANSFER), ("2-publish", PUBLISH), ("3-amend", AMEND), ("4-abolish", ABOLISH)]


def write_all(root: Path, upto: int = len(ALL)) -> None:
    for name, body in ALL[:upto]:
        write_decision(root, name, body)


# ---------------------------------------------------------------- files only


def test_catalogue_at_several_dates(tree: Path) -> None:
    write_all(tree)
    timeline = replay(tree)
    assert not timeline.errors, "\n".join(map(str, timeline.errors))
    states = {}
    for day in ["2024-06-30", "2025-03-01", "2025-11-27", "2026-03-09", "2026-03-10", "2026-06-01"]:
        entry = timeline.entry_at("1.001806", date.fromisoformat(day))
        assert entry is not None
        states[day] = (entry.agency, entry.decision.id, entry.confirmed, entry.abolished)
    assert states["2024-06-30"] == ("cb-so-ldtbxh", "0-baseline", False, False)
    assert states["2025-03-01"] == ("cb-so-y-te", "1-transfer", False, False)
    assert states["2025-11-27"] == ("cb-so-y-te", "2-publish", True, False)
    assert states["2026-03-09"][1] == "2-publish"
    assert states["2026-03-10"][1] == "3-amend"
    assert states["2026-06-01"][3] is True
    assert [e.code for e in timeline.at(date(2026, 5, 31))] == ["1.001806"]
    assert timeline.at(date(2026, 6, 1)) == []
    assert [e.code for e in timeline.abolished_at(date(2026, 6, 1))] == ["1.001806"]
    amended = timeline.entry_at("1.001806", date(2026, 3, 10))
    assert amended is not None and amended.definition["deadline"] == {"working_days": 9}


def test_decision_problems_are_located(tree: Path) -> None:
    bad = write_decision(tree, "bad", """number: 1/QĐ
title: Sai
issuer: UBND
signed: 2026-01-01
effective: 2026-01-01
operations:
  - {op: abolish, codes: ["1.001806"]}
  - {op: transfer, from: cb-so-khong-co, to: cb-so-y-te}
  - {op: publish, codes: ["9.999999"]}
  - {op: retire, codes: ["1.001806"]}
""")
    decision, problems = load_decision(bad)
    assert decision is None
    assert any(p.line == 10 and "retire" in p.message for p in problems), problems
    bad.write_text(bad.read_text(encoding="utf-8").replace('  - {op: retire, codes: ["1.001806"]}\n', ""), encoding="utf-8")
    timeline = replay(tree)
    messages = {(p.line, p.message) for p in timeline.errors}
    assert any(line == 7 and "không có hiệu lực" in m for line, m in messages), messages
    assert any(line == 8 and "cb-so-khong-co" in m for line, m in messages), messages
    assert any(line == 9 and "9.999999" in m for line, m in messages), messages
    assert all(str(p).startswith(str(bad.relative_to(Path.cwd())) if bad.is_relative_to(Path.cwd()) else str(bad)) for p in timeline.errors)


def test_reconstructed_state_carries_its_date(tree: Path) -> None:
    """A state rebuilt from other sources says so: ``reconstructed: {as_of, sources}``, its date checked at its line."""
    text = BASELINE + "reconstructed: {as_of: 2025-02-28, sources: [QĐ 2022/QĐ-UBND (danh mục năm 2025)]}\n"
    decision, problems = load_decision(write_decision(tree, "0-rebuilt", text))
    assert problems == [] and decision is not None
    assert decision.reconstructed_as_of == date(2025, 2, 28) and decision.effective is None
    _, problems = load_decision(write_decision(tree, "0-rebuilt", text.replace("2025-02-28", "2025-02-30")))
    assert any(p.line == 9 and "reconstructed.as_of" in p.message for p in problems), problems
    _, problems = load_decision(write_decision(tree, "0-rebuilt", text.replace(", sources: [QĐ 2022/QĐ-UBND (danh mục năm 2025)]", "")))
    assert any("sources" in p.message for p in problems), problems


# ---------------------------------------------------------------- through the engine


def publish(services, tree: Path, name: str, *, dry_run: bool = False):  # type: ignore[no-untyped-def]
    timeline = replay(tree)
    decision = timeline.decision(name)
    assert decision is not None
    return apply(services, timeline, decision, ANALYST, dry_run=dry_run)


def receive(services, name: str = "Nguyễn Văn A") -> Dossier:  # type: ignore[no-untyped-def]
    return Commands(services).receive(DESK, "1.001806", {"name": name}, "direct", [])


def version_of(services, dossier: Dossier) -> ProcedureVersion:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        row = session.get(ProcedureVersion, dossier.procedure_version_id)
        assert row is not None
        return row


def test_pinning_abolition_and_transfer(services, tree: Path, clock) -> None:  # type: ignore[no-untyped-def]
    write_all(tree)
    report = publish(services, tree, "0-baseline")
    assert [c.kind for c in report.changes] == ["added"]
    before = receive(services, "Trước hợp nhất")
    assert before.agency_id == "cb-so-ldtbxh"

    # The transfer: a dry run counts the dossier, the application moves it, keeping its times.
    clock.set(local(2025, 3, 3, 9, 0))
    dry = publish(services, tree, "1-transfer", dry_run=True)
    assert [(c.kind, c.in_progress) for c in dry.changes] == [("moved", 1)]
    with services.sessions() as session:
        assert session.get(DecisionRow, "1-transfer") is None
    report = publish(services, tree, "1-transfer")
    assert report.moved_dossiers == [before.code]
    with services.sessions() as session:
        moved = session.execute(select(Dossier).where(Dossier.code == before.code)).scalar_one()
        assert moved.agency_id == "cb-so-y-te"
        assert (moved.received_at, moved.due_at) == (before.received_at, before.due_at)
        assert moved.procedure_version_id == before.procedure_version_id  # pinned
        event = session.execute(
            select(AuditEvent).where(AuditEvent.dossier_id == moved.id, AuditEvent.action == "dossier.competence_transferred")
        ).scalar_one()
        assert event.after["agency"] == "cb-so-y-te" and "Hợp nhất" in event.after["legal_basis"]
        open_tasks = session.execute(select(Task).where(Task.dossier_id == moved.id, Task.state == "open")).scalars().all()
        assert open_tasks and all(t.agency_id in ("cb-so-y-te",) for t in open_tasks if t.kind != "intake")
    after_transfer = receive(services, "Sau hợp nhất")
    assert after_transfer.agency_id == "cb-so-y-te"

    # The approved process, then an amendment: dossiers keep the version of their receipt.
    clock.set(local(2025, 11, 27, 8, 0))
    publish(services, tree, "2-publish")
    clock.set(local(2026, 3, 2, 8, 0))
    publish(services, tree, "3-amend")
    old = receive(services, "Trước sửa đổi")
    assert version_of(services, old).definition["deadline"] == {"working_days": 10}
    clock.set(local(2026, 3, 10, 8, 0))
    new = receive(services, "Sau sửa đổi")
    assert version_of(services, new).definition["deadline"] == {"working_days": 9}
    assert version_of(services, old).id != version_of(services, new).id
    with services.sessions() as session:
        assert session.get(Dossier, old.id).procedure_version_id == old.procedure_version_id  # type: ignore[union-attr]

    # Abolition: the dry run counts dossiers in progress; new dossiers are refused naming the decision.
    clock.set(local(2026, 5, 25, 8, 0))
    dry = publish(services, tree, "4-abolish", dry_run=True)
    assert [(c.kind, c.in_progress) for c in dry.changes] == [("abolished", 4)]
    publish(services, tree, "4-abolish")
    receive(services, "Trước ngày bãi bỏ có hiệu lực")
    clock.set(local(2026, 6, 1, 8, 0))
    with pytest.raises(InvalidCommand, match="9002/QĐ-UBND"):
        receive(services, "Sau bãi bỏ")
    # ... while a dossier in progress goes on under its own version.
    commands = Commands(services)
    with services.sessions() as session:
        task = session.execute(select(Task).where(Task.dossier_id == new.id, Task.state == "open")).scalars().first()
        assert task is not None
    from engine import Actor

    actor = Actor("desk-ytế", task.role, task.agency_id)
    done = commands.complete(actor, task.id, None, ["complete", "scanned_signed"])
    assert done.status == "processing"


def test_publish_is_idempotent_and_immutable(services, tree: Path) -> None:  # type: ignore[no-untyped-def]
    write_all(tree, 1)
    first = publish(services, tree, "0-baseline")
    again = publish(services, tree, "0-baseline")
    assert first.changes and again.already_applied
    with services.sessions() as session:
        assert len(session.execute(select(ProcedureVersion)).scalars().all()) == 1
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "decision.published")).scalars().one()
    path = tree / "decisions" / "0-baseline.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("trước năm 2025)", "trước 2025)"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="nội dung khác"):
        publish(services, tree, "0-baseline")


def test_future_transfer_waits_for_its_date(services, tree: Path, clock) -> None:  # type: ignore[no-untyped-def]
    write_all(tree, 2)
    publish(services, tree, "0-baseline")
    dossier = receive(services)
    report = publish(services, tree, "1-transfer")  # clock: 6/1/2025, before 1/3/2025
    assert report.pending_transfer and not report.moved_dossiers
    clock.set(local(2025, 3, 3, 8, 0))
    done = run_due_transfers(services, replay(tree), ANALYST)
    assert done == {"1-transfer": [dossier.code]}
    assert run_due_transfers(services, replay(tree), ANALYST) == {}


def test_keep_leaves_dossiers_with_the_old_agency(services, tree: Path, clock) -> None:  # type: ignore[no-untyped-def]
    write_decision(tree, "0-baseline", BASELINE)
    write_decision(tree, "1-transfer", TRANSFER.replace("fields: [bao-tro-xa-hoi]}", "fields: [bao-tro-xa-hoi], dossiers: keep}"))
    publish(services, tree, "0-baseline")
    dossier = receive(services)
    clock.set(local(2025, 3, 3, 8, 0))
    report = publish(services, tree, "1-transfer")
    assert report.moved_dossiers == []
    with services.sessions() as session:
        assert session.get(Dossier, dossier.id).agency_id == "cb-so-ldtbxh"  # type: ignore[union-attr]
    assert receive(services).agency_id == "cb-so-y-te"
