"""Calendar administration: an announced day off or make-up working day moves the due times of open
dossiers and steps that span it, audited, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine import Forbidden, InvalidCommand
from engine.simulate import Driver
from engine.storage.models import AuditEvent
from tests.helpers import APPLICANT, load, local, only_task

DOC = "Thông báo số 12/TB-UBND ngày 01/03/2026 (thử nghiệm)"


def test_a_day_off_moves_due_times_later_and_withdrawing_it_moves_them_back(services, commands, staff, clock):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    Driver(commands, staff).run(dossier, until="appraise")
    before_step = only_task(services, dossier.id, "appraise").due_at
    assert load(services, dossier.code).due_at == local(2026, 3, 16, 8, 0)
    untouched = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    clock.set(local(2026, 3, 12, 8, 0))  # received after the day: not moved
    later = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    change = commands.announce_day(staff["admin"], date(2026, 3, 11), "day_off", "Nghỉ đột xuất (thử nghiệm)", DOC)
    assert {m["code"] for m in change.moved} == {dossier.code, untouched.code}
    assert later.code not in {m["code"] for m in change.moved}
    assert not services.calendar.is_working_day(date(2026, 3, 11))
    moved = load(services, dossier.code)
    assert moved.due_at == local(2026, 3, 17, 8, 0) and moved.statutory_due_at == local(2026, 3, 17, 8, 0)
    assert only_task(services, dossier.id, "appraise").due_at > before_step
    with services.sessions() as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id,
                                                         AuditEvent.action == "dossier.due_recomputed")).scalar_one()
        system = session.execute(select(AuditEvent).where(AuditEvent.action == "calendar.changed")).scalar_one()
    assert event.after["document"] == DOC and event.after["day"] == "2026-03-11"
    assert system.actor == "admin" and system.after["dossiers"] == 2
    commands.withdraw_day(staff["admin"], change.entry.id, "Ghi nhầm")
    assert services.calendar.is_working_day(date(2026, 3, 11))
    assert load(services, dossier.code).due_at == local(2026, 3, 16, 8, 0)
    assert only_task(services, dossier.id, "appraise").due_at == before_step


def test_a_make_up_saturday_moves_due_times_earlier(services, commands, staff):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    commands.announce_day(staff["admin"], date(2026, 3, 14), "working_day", "Làm bù (thử nghiệm)", DOC)
    assert load(services, dossier.code).due_at == local(2026, 3, 14, 8, 0)


def test_only_administrators_and_checked_entries(services, commands, staff):
    with pytest.raises(Forbidden, match="điều chỉnh lịch làm việc"):
        commands.announce_day(staff["director"], date(2026, 3, 11), "day_off", "Nghỉ", DOC)
    with pytest.raises(InvalidCommand, match="văn bản công bố"):
        commands.announce_day(staff["admin"], date(2026, 3, 11), "day_off", "Nghỉ", " ")
    with pytest.raises(InvalidCommand, match="loại"):
        commands.announce_day(staff["admin"], date(2026, 3, 11), "holiday", "Nghỉ", DOC)
    commands.announce_day(staff["admin"], date(2026, 3, 11), "day_off", "Nghỉ", DOC)
    with pytest.raises(InvalidCommand, match="đã có điều chỉnh"):
        commands.announce_day(staff["admin"], date(2026, 3, 11), "working_day", "Làm", DOC)
