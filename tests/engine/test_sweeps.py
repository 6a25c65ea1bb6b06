"""The scheduler's deadline sweep: near-due warnings, overdue escalation, once each, on both databases.

A dossier of 1.001806 is received on Monday 2 March 2026 at 08:00 (Vietnam time); the fixed clock
is moved and the sweep run as ``motcua scheduler`` runs it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import dispatch_pending
from engine.simulate import Driver
from engine.storage.alerts import DeadlineAlarm, Notification
from engine.sweeps.config import SweepSettingError, SweepSettings
from engine.sweeps.deadlines import sweep
from engine.sweeps.digest import send_digests
from tests.helpers import APPLICANT, local, only_task


def notices(services, user=None):  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        stmt = select(Notification.user_id, Notification.kind, Notification.dossier_code, Notification.title)
        if user:
            stmt = stmt.where(Notification.user_id == user)
        return sorted(tuple(r) for r in session.execute(stmt.order_by(Notification.id)))


def run(services, clock, when):  # type: ignore[no-untyped-def]
    clock.set(when)
    report = sweep(services)
    dispatch_pending(services)
    return report


def test_step_near_due_then_overdue_then_director_once_each(services, commands, staff, clock, people):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    assert run(services, clock, local(2026, 3, 2, 8, 5)).sent == 0
    # The intake step is due at 17:00 (the 15:00 rule): 7.5 working hours; 20% is left from 15:30.
    assert run(services, clock, local(2026, 3, 2, 15, 20)).sent == 0
    report = run(services, clock, local(2026, 3, 2, 15, 31))
    assert report.sent == 1
    intake = only_task(services, dossier.id, "intake").name
    assert notices(services) == [("one_stop1", "step.near_due", dossier.code,
                                  f'Sắp đến hạn: bước "{intake}" của hồ sơ {dossier.code}')]
    # Again, and again later the same day: nothing new.
    assert run(services, clock, local(2026, 3, 2, 15, 32)).sent == 0
    assert run(services, clock, local(2026, 3, 2, 16, 59)).sent == 0
    # Overdue the next morning: the desk and the division head.
    run(services, clock, local(2026, 3, 3, 8, 0))
    overdue = [n for n in notices(services) if n[1] == "step.overdue"]
    assert {n[0] for n in overdue} == {"one_stop1", "division_head1"}
    assert overdue[0][3] == f'Quá hạn: bước "{intake}" của hồ sơ {dossier.code}'
    # One working day after the due time, still not done: the director.
    assert run(services, clock, local(2026, 3, 3, 16, 59)).sent == 0
    run(services, clock, local(2026, 3, 3, 17, 0))
    assert sorted(n[0] for n in notices(services) if n[1] == "step.escalated") == ["director1", "division_head1"]
    before = notices(services)
    run(services, clock, local(2026, 3, 4, 9, 0))
    assert notices(services) == before


def test_a_done_step_is_not_warned_and_a_claimed_step_warns_its_claimant(services, commands, staff, clock, people):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    run(services, clock, local(2026, 3, 2, 8, 1))  # the intake step's alarms are armed
    driver = Driver(commands, staff)
    driver.run(dossier, until="appraise")  # intake and assignment done
    commands.claim(staff["specialist"], only_task(services, dossier.id, "appraise").id)
    run(services, clock, local(2026, 3, 2, 8, 2))
    # Nothing about intake or assignment, ever; the appraisal (7 working days) warns its claimant only.
    run(services, clock, local(2026, 3, 11, 8, 0))
    kinds = {(n[0], n[1]) for n in notices(services)}
    assert ("specialist1", "step.near_due") in kinds
    assert not any(user == "specialist2" for user, _ in kinds)
    assert not any(kind.startswith("step.") and user == "one_stop1" for user, kind in kinds)
    with services.sessions() as session:
        void = session.execute(select(DeadlineAlarm.kind, DeadlineAlarm.state).where(
            DeadlineAlarm.step_id == "intake")).all()
    assert void and all(state == "void" for _, state in void)


def test_dossier_warned_one_working_day_before_and_overdue_to_the_director(services, commands, staff, clock, people):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    Driver(commands, staff).run(dossier, until="appraise")
    due = dossier.statutory_due_at
    assert due == local(2026, 3, 16, 8, 0)  # 10 working days from Monday 08:00
    run(services, clock, local(2026, 3, 2, 8, 1))
    day_before = local(2026, 3, 13, 8, 0)  # one working day before: the Friday
    run(services, clock, day_before - timedelta(minutes=1))
    assert not [n for n in notices(services) if n[1] == "dossier.due_soon"]
    run(services, clock, day_before)
    assert {n[0] for n in notices(services) if n[1] == "dossier.due_soon"} == {"specialist1", "specialist2"}
    run(services, clock, due)
    assert {n[0] for n in notices(services) if n[1] == "dossier.overdue"} == {
        "specialist1", "specialist2", "division_head1", "director1"}


def test_waiting_for_a_supplement_sends_no_warning(services, commands, staff, clock, people):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    driver = Driver(commands, staff)
    driver.run(dossier, until="appraise")
    run(services, clock, local(2026, 3, 2, 8, 1))
    driver.take(dossier, outcome="request_supplement", supplement_items=["Bản sao giấy phép"])
    run(services, clock, local(2026, 4, 30, 9, 0))  # long past every due time: the applicant has the dossier
    assert notices(services) == []
    with services.sessions() as session:
        pending = session.execute(select(DeadlineAlarm.fire_at).where(DeadlineAlarm.state == "pending")).scalars().all()
    assert pending and all(at > local(2026, 4, 30, 9, 0) for at in pending)  # looked at again later


def test_daily_digest_once_a_day(services, commands, staff, clock, people):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    Driver(commands, staff).run(dossier, until="appraise")
    clock.set(local(2026, 3, 3, 7, 0))
    sent = send_digests(services)
    assert send_digests(services) == 0  # the second run that day
    dispatch_pending(services)
    digests = [n for n in notices(services) if n[1] == "digest"]
    assert {n[0] for n in digests} == {"specialist1", "specialist2"} and sent == 2
    assert digests[0][3] == "Tổng hợp công việc ngày 03/03/2026"
    clock.set(local(2026, 3, 4, 7, 0))
    assert send_digests(services) == 2


def test_settings_are_checked():
    assert SweepSettings.from_env({"MOTCUA_WARN_FRACTION": "0.3"}).warn_fraction == 0.3
    with pytest.raises(SweepSettingError, match="MOTCUA_WARN_FRACTION"):
        SweepSettings.from_env({"MOTCUA_WARN_FRACTION": "2"})
    with pytest.raises(SweepSettingError, match="HH:MM"):
        SweepSettings.from_env({"MOTCUA_DIGEST_AT": "7h"})
