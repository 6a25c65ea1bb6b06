"""The 2025 rearrangement moves the open dossiers of abolished communes and districts to their successors
(issue 8, communes as agencies), on SQLite and PostgreSQL, through the decision that ends the district
level and through ``motcua units``. Successors come from the Statistics Office's conversion table in
workflows/units.yaml; where it names several (or none), a person chooses; the clock never changes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from engine import SYSTEM, Actor, Forbidden, InvalidCommand
from engine.decisions import load_decision, replay, run_transfers
from engine.decisions.successions import move_to_successor, pending
from engine.storage.models import AuditEvent, Dossier, Task
from engine.units import units
from tests.helpers import APPLICANT, WORKFLOWS, local, only_task

SONG_HIEN, HONG_QUANG = "cb-xa-cu-01267", "cb-xa-cu-01615"  # an old ward (→ Thục Phán), an old commune that was split
THUC_PHAN = "cb-xa-01273"
END_OF_DISTRICTS = WORKFLOWS / "decisions" / "2025-07-01-ket-thuc-cap-huyen.yaml"


def test_the_successors_are_the_tables():
    found = units(None)
    assert found.successors(SONG_HIEN) == (THUC_PHAN,)
    assert found.successors(HONG_QUANG) == ("cb-xa-01636", "cb-xa-01648")  # split between two new communes
    assert found.successors("cb-xa-cu-01651") == ()  # Xã Mỹ Hưng: not in the table
    assert found.successors("cb-huyen-040") == ("cb-xa-01273", "cb-xa-01279", "cb-xa-01288")  # Thành phố Cao Bằng
    assert found.successors(THUC_PHAN) is None  # in force: succeeded by nobody
    # Nghệ An is generated too: 130 communes and wards from 1/7/2025; 20 districts and 412 communes before.
    assert len(found.competent("na-ubnd-xa", local(2026, 1, 5).date()) or ()) == 130
    assert len(found.competent("na-ubnd-xa", local(2025, 6, 2).date()) or ()) == 412
    assert len(found.competent("na-ubnd-huyen", local(2025, 6, 2).date()) or ()) == 20


def _state(services, code):
    with services.sessions() as session:
        d = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        tasks = {t.agency_id for t in session.execute(select(Task).where(Task.dossier_id == d.id, Task.state == "open")).scalars()}
        return d.agency_id, d.received_at, d.due_at, tasks


def test_the_decision_moves_old_units_dossiers_keeps_the_clock_and_leaves_the_split_to_a_person(
        services, commands, clock):
    clock.set(local(2025, 6, 20, 9, 0))
    moved = commands.receive(Actor("mc_songhien", "one_stop", SONG_HIEN), "9.900013", APPLICANT)  # a commune procedure in force before 1/7/2025
    split = commands.receive(Actor("mc_hongquang", "one_stop", HONG_QUANG), "9.900013", APPLICANT)  # a commune procedure in force before 1/7/2025
    district = commands.receive(Actor("mc_songhien", "one_stop", SONG_HIEN), "9.900013", APPLICANT)  # a commune procedure in force before 1/7/2025
    commands.transfer_competence(Actor("kstt", "analyst"), district.code, "cb-huyen-040", "Thử: hồ sơ do huyện giữ")
    before = _state(services, moved.code)
    assert before[0] == SONG_HIEN and before[3] == {SONG_HIEN}

    clock.set(local(2025, 7, 1, 0, 5))
    decision, problems = load_decision(END_OF_DISTRICTS)
    assert decision is not None and not [p for p in problems if p.severity == "error"]
    done = run_transfers(services, replay(WORKFLOWS), decision, SYSTEM)
    assert done == [moved.code]
    after = _state(services, moved.code)
    assert after == (THUC_PHAN, before[1], before[2], {THUC_PHAN})  # the clock is unchanged
    with services.sessions() as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.dossier_id == moved.id,
                                                         AuditEvent.action == "dossier.competence_transferred")).scalar_one()
    assert event.before == {"agency": SONG_HIEN} and event.after["agency"] == THUC_PHAN
    assert "Kết thúc hoạt động của chính quyền cấp huyện" in event.after["legal_basis"]
    assert "Cục Thống kê" in event.after["legal_basis"]
    # The successor's staff act on it; the old unit's no longer do.
    step = only_task(services, moved.id)
    with pytest.raises(Forbidden):
        commands.claim(Actor("mc_songhien", "one_stop", SONG_HIEN), step.id)
    commands.claim(Actor("mc_thucphan", "one_stop", THUC_PHAN), step.id)

    waiting = {w.code: w for w in pending(services)}
    assert set(waiting) == {split.code, district.code}
    assert waiting[split.code].candidates == ("cb-xa-01636", "cb-xa-01648")
    assert waiting[district.code].candidates == ("cb-xa-01273", "cb-xa-01279", "cb-xa-01288")
    assert run_transfers(services, replay(WORKFLOWS), decision, SYSTEM) == []  # once

    with pytest.raises(InvalidCommand, match="không phải đơn vị kế thừa"):
        move_to_successor(services, Actor("kstt", "analyst"), split.code, THUC_PHAN, "Công văn giao hồ sơ")
    with pytest.raises(InvalidCommand, match="không thuộc đơn vị hành chính đã chấm dứt"):
        move_to_successor(services, Actor("kstt", "analyst"), moved.code, "cb-xa-01279", "Công văn giao hồ sơ")
    split_before = _state(services, split.code)
    move_to_successor(services, Actor("kstt", "analyst"), split.code, "cb-xa-01648", "Công văn giao hồ sơ của UBND tỉnh")
    assert _state(services, split.code)[:3] == ("cb-xa-01648", split_before[1], split_before[2])
    assert [w.code for w in pending(services)] == [district.code]


def test_units_cli_lists_and_moves(services, commands, clock, tmp_path):
    from api import create_app
    from api.cli import cli

    clock.set(local(2025, 6, 20, 9, 0))
    split = commands.receive(Actor("mc_hongquang", "one_stop", HONG_QUANG), "9.900013", APPLICANT)  # a commune procedure in force before 1/7/2025
    single = commands.receive(Actor("mc_songhien", "one_stop", SONG_HIEN), "9.900013", APPLICANT)  # a commune procedure in force before 1/7/2025
    clock.set(local(2025, 7, 2, 9, 0))
    app = create_app({"AUDIT_DIR": str(tmp_path)}, services=services)
    runner, info = CliRunner(), ScriptInfo(create_app=lambda: app)
    listed = runner.invoke(cli, ["units", "pending"], obj=info)
    assert listed.exit_code == 0, listed.output
    assert f"{split.code}\t{HONG_QUANG}\tđơn vị kế thừa: cb-xa-01636, cb-xa-01648" in listed.output
    assert f"{single.code}\t{SONG_HIEN}\tđơn vị kế thừa: {THUC_PHAN}" in listed.output and "2 hồ sơ chờ" in listed.output
    # A decision whose transfers ran before this upgrade: the one-successor dossiers are moved on demand.
    moved = runner.invoke(cli, ["units", "pending", "--move-single", "Kết thúc hoạt động cấp huyện"], obj=info)
    assert f"đã chuyển hồ sơ {single.code} sang {THUC_PHAN}" in moved.output and "1 hồ sơ chờ" in moved.output
    refused = runner.invoke(cli, ["units", "move", split.code, THUC_PHAN, "--basis", "Công văn"], obj=info)
    assert refused.exit_code != 0 and "không phải đơn vị kế thừa" in refused.output
    done = runner.invoke(cli, ["units", "move", split.code, "cb-xa-01636", "--basis", "Công văn", "--actor", "kstt"], obj=info)
    assert done.exit_code == 0 and f"đã chuyển hồ sơ {split.code} sang cb-xa-01636" in done.output
    assert "0 hồ sơ chờ" in runner.invoke(cli, ["units", "pending"], obj=info).output
