"""Every lifecycle path, end to end through the commands, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import Conflict, Forbidden, IllegalTransition, InvalidCommand, NotFound
from engine.audit import verify
from engine.catalogue_sync import sync_catalog
from engine.definitions import load_catalog, procedure_from_data
from engine.storage.models import AuditEvent, OutboxMessage
from tests.helpers import (
    AGENCY,
    APPLICANT,
    INTAKE_CHECKS,
    WORKFLOWS,
    forms,
    load,
    local,
    only_task,
    open_tasks,
)

THUC_PHAN = "cb-xa-01273"  # Phường Thục Phán (Cao Bằng, from 1/7/2025): workflows/units.yaml


def step(commands, services, staff, dossier, step_id, outcome=None, checks=(), role=None, **kwargs):  # type: ignore[no-untyped-def]
    task = only_task(services, dossier.id, step_id)
    actor = staff[role or task.role]
    commands.claim(actor, task.id)
    return commands.complete(actor, task.id, outcome, checks, **kwargs)


def receive(commands, staff, code="1.001806"):  # type: ignore[no-untyped-def]
    return commands.receive(staff["one_stop"], code, APPLICANT, "direct", [])


def to_appraisal(commands, services, staff, dossier):  # type: ignore[no-untyped-def]
    step(commands, services, staff, dossier, "intake", checks=INTAKE_CHECKS)
    return step(commands, services, staff, dossier, "assign")


def test_approval_path(commands, services, staff, clock):
    clock.set(local(2026, 2, 12, 15, 30))  # Thursday before Tết 2026
    dossier = receive(commands, staff)
    assert dossier.status == "received"
    assert dossier.code.startswith("CB.SYT-260212-")
    assert dossier.due_at == local(2026, 3, 5, 15, 30)  # 10 working days around Tết (16–20/2 off)
    intake = only_task(services, dossier.id, "intake")
    assert intake.due_at == local(2026, 2, 13, 7, 30)  # after 15:00: start of the next working day
    assert intake.role == "one_stop" and intake.agency_id == AGENCY

    clock.set(local(2026, 2, 13, 8, 0))
    dossier = step(commands, services, staff, dossier, "intake", checks=INTAKE_CHECKS)
    assert dossier.status == "processing"
    assign = only_task(services, dossier.id, "assign")
    # 0.5 working day = 4 h from Fri 08:00: 08:00–11:30 (3.5 h), then 13:00–13:30.
    assert assign.due_at == local(2026, 2, 13, 13, 30)
    clock.set(local(2026, 2, 13, 9, 0))
    step(commands, services, staff, dossier, "assign")
    appraise = only_task(services, dossier.id, "appraise")
    assert appraise.due_at == local(2026, 3, 3, 9, 0)  # 7 working days from Fri 13/2 09:00, Tết skipped
    clock.set(local(2026, 2, 24, 10, 0))
    step(commands, services, staff, dossier, "appraise", "propose_approval", ["conditions_checked"])
    step(commands, services, staff, dossier, "review", "agree")
    step(commands, services, staff, dossier, "approve", "sign")
    dossier = step(commands, services, staff, dossier, "register")
    assert dossier.status == "resolved" and dossier.result == "approved"
    ret = only_task(services, dossier.id, "return")
    assert ret.due_at is None  # "không tính thời gian"
    clock.set(local(2026, 2, 25, 9, 0))
    dossier = commands.return_result(staff["one_stop"], dossier.code)
    assert dossier.status == "returned" and dossier.timeliness == "early"
    assert open_tasks(services, dossier.id) == []
    receipts = [f for f in forms(services, dossier.id) if f.form == "receipt"]
    assert len(receipts) == 1 and receipts[0].form_number == "Mẫu 01" and receipts[0].regime == "nd118-2025"
    assert receipts[0].content["due_at"] == local(2026, 3, 5, 15, 30).isoformat()
    with services.sessions() as session:
        actions = list(session.execute(select(AuditEvent.action).where(AuditEvent.dossier_id == dossier.id).order_by(AuditEvent.seq)).scalars())
        assert actions[0] == "dossier.received"
        assert actions.count("step.completed") == 7
        assert actions[-1] == "status.return_result"
        assert list(verify(session)) == []


def test_assign_due_exact(commands, services, staff, clock):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = receive(commands, staff)
    step(commands, services, staff, dossier, "intake", checks=INTAKE_CHECKS)
    assign = only_task(services, dossier.id, "assign")
    # 0.5 day = 4 h from Mon 08:00: 08:00–11:30 (3.5 h) then 13:00–13:30.
    assert assign.due_at == local(2026, 3, 2, 13, 30)


def test_supplement_restart(commands, services, staff, clock):
    dossier = receive(commands, staff)
    to_appraisal(commands, services, staff, dossier)
    appraise = only_task(services, dossier.id, "appraise")
    clock.set(local(2026, 3, 4, 10, 0))
    with pytest.raises(InvalidCommand, match="thành phần cần bổ sung"):
        commands.complete(staff["specialist"], appraise.id, "request_supplement")
    dossier = commands.complete(
        staff["specialist"], appraise.id, "request_supplement",
        supplement_items=["Bản sao quyết định thành lập cơ sở", "Danh sách lao động là người khuyết tật"],
    )
    assert dossier.status == "awaiting_supplement"
    waiting = only_task(services, dossier.id, "appraise")
    assert waiting.state == "waiting"
    notice = [f for f in forms(services, dossier.id) if f.form == "supplement_request"]
    assert len(notice) == 1 and notice[0].form_number == "Mẫu 02"
    assert notice[0].content["items"] == ["Bản sao quyết định thành lập cơ sở", "Danh sách lao động là người khuyết tật"]
    with pytest.raises(IllegalTransition):  # one notice at a time: everything missing goes in it
        commands.request_supplement(staff["specialist"], dossier.code, ["thêm"])

    clock.set(local(2026, 3, 11, 14, 0))  # the complete supplement arrives a week later
    dossier = commands.receive_supplement(staff["one_stop"], dossier.code, [{"id": "ds_lao_dong", "name": "Danh sách lao động"}])
    assert dossier.status == "processing"
    # restart: a fresh full deadline of 10 working days from Wed 11/3 14:00
    assert dossier.due_at == local(2026, 3, 25, 14, 0)
    assert dossier.statutory_due_at == dossier.due_at
    resumed = only_task(services, dossier.id, "appraise")
    assert resumed.state == "open"
    assert resumed.due_at == local(2026, 3, 20, 14, 0)  # its own 7 days restart too


def test_supplement_pause(commands, services, staff, clock):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = receive(commands, staff, "9.900001")  # same route, on_supplement: pause
    due_before = dossier.due_at
    to_appraisal(commands, services, staff, dossier)
    appraise = only_task(services, dossier.id, "appraise")
    clock.set(local(2026, 3, 3, 9, 0))
    commands.complete(staff["specialist"], appraise.id, "request_supplement", supplement_items=["Giấy phép kinh doanh"])
    clock.set(local(2026, 3, 5, 9, 0))  # waited exactly 2 working days (Tue 09:00 → Thu 09:00)
    dossier = commands.receive_supplement(staff["one_stop"], dossier.code, ["giay_phep"])
    assert dossier.due_at == services.calendar.add(due_before, 2, "working_days")
    assert dossier.statutory_due_at == dossier.due_at


def test_pause_due_values(commands, services, staff, clock):
    """The same with concrete expected values, computed by hand."""
    clock.set(local(2026, 3, 2, 8, 0))  # Mon 08:00, 10 days → Mon 16/3 08:00
    dossier = receive(commands, staff, "9.900001")
    assert dossier.due_at == local(2026, 3, 16, 8, 0)
    to_appraisal(commands, services, staff, dossier)
    appraise = only_task(services, dossier.id, "appraise")
    clock.set(local(2026, 3, 3, 9, 0))
    commands.complete(staff["specialist"], appraise.id, "request_supplement", supplement_items=["Giấy phép kinh doanh"])
    clock.set(local(2026, 3, 5, 9, 0))
    dossier = commands.receive_supplement(staff["one_stop"], dossier.code, ["giay_phep"])
    assert dossier.due_at == local(2026, 3, 18, 8, 0)  # moved by the 2 working days spent waiting


def test_refusal_at_intake(commands, services, staff):
    dossier = commands.refuse_intake(staff["one_stop"], "1.001806", APPLICANT, ["Thủ tục không thuộc thẩm quyền giải quyết của Sở Y tế"])
    assert dossier.status == "not_received" and dossier.due_at is None
    assert open_tasks(services, dossier.id) == []
    (refusal,) = forms(services, dossier.id)
    assert refusal.form == "refusal" and refusal.form_number == "Mẫu 03"
    assert refusal.content["reasons"] == ["Thủ tục không thuộc thẩm quyền giải quyết của Sở Y tế"]
    with pytest.raises(InvalidCommand):
        commands.refuse_intake(staff["one_stop"], "1.001806", APPLICANT, ["  "])


def test_direct_refusal_is_the_directors_alone(commands, services, staff, clock):
    dossier = receive(commands, staff)
    to_appraisal(commands, services, staff, dossier)
    for role in ("one_stop", "specialist", "division_head"):  # no shortcut: a specialist proposes on the route
        with pytest.raises(Forbidden, match="lãnh đạo cơ quan"):
            commands.refuse(staff[role], dossier.code, ["Không đủ điều kiện"])
    dossier = commands.refuse(staff["director"], dossier.code, ["Cơ sở sử dụng dưới 30% lao động là người khuyết tật"])
    assert dossier.status == "resolved" and dossier.result == "refused"
    only_task(services, dossier.id, "return")
    assert [f.form for f in forms(services, dossier.id)] == ["receipt", "refusal_decision"]
    written = forms(services, dossier.id)[-1]
    assert written.form_number == "(không có mẫu quy định)"  # the agency's own answer, not the desk's Mẫu 03
    assert written.content["signer"] == {"id": "director1", "name": "Cán bộ director", "role": "director"}
    assert written.content["direct"] is True and written.content["competent_agency"]
    with services.sessions() as session:
        resolve = session.execute(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id,
                                                           AuditEvent.action == "status.resolve")).scalar_one()
    assert resolve.actor == "director1" and resolve.after["direct"] is True
    dossier = commands.return_result(staff["one_stop"], dossier.code)
    assert dossier.status == "returned" and dossier.result == "refused"


def test_refusal_proposed_in_route(commands, services, staff):
    dossier = receive(commands, staff)
    to_appraisal(commands, services, staff, dossier)
    with pytest.raises(InvalidCommand, match="phải nêu rõ lý do"):
        step(commands, services, staff, dossier, "appraise", "propose_refusal", ["conditions_checked"])
    step(commands, services, staff, dossier, "appraise", "propose_refusal", ["conditions_checked"],
         note="Cơ sở sử dụng dưới 30% lao động là người khuyết tật")
    step(commands, services, staff, dossier, "review", "agree")
    step(commands, services, staff, dossier, "approve", "sign")
    assert [f.form for f in forms(services, dossier.id)] == ["receipt"]  # decided, not yet registered
    dossier = step(commands, services, staff, dossier, "register")
    assert dossier.status == "resolved" and dossier.result == "refused"
    written = forms(services, dossier.id)[-1]
    assert written.form == "refusal_decision" and written.content["direct"] is False
    assert written.content["reasons"] == ["Cơ sở sử dụng dưới 30% lao động là người khuyết tật"]
    assert written.content["signer"] == {"id": "director1", "name": None, "role": "director"}  # no account row here


def test_send_back_loops(commands, services, staff):
    dossier = receive(commands, staff)
    to_appraisal(commands, services, staff, dossier)
    step(commands, services, staff, dossier, "appraise", "propose_approval", ["conditions_checked"])
    step(commands, services, staff, dossier, "review", "send_back")
    again = only_task(services, dossier.id, "appraise")
    assert again.claimed_by is None  # a fresh task for the re-appraisal


def test_withdrawal(commands, services, staff):
    dossier = receive(commands, staff)
    to_appraisal(commands, services, staff, dossier)
    dossier = commands.withdraw(staff["one_stop"], dossier.code, "Người nộp đề nghị rút hồ sơ")
    assert dossier.status == "stopped"
    assert open_tasks(services, dossier.id) == []
    notice = forms(services, dossier.id)[-1]
    assert notice.form == "stop_notice" and notice.content["reason"] == "Người nộp đề nghị rút hồ sơ"
    with services.sessions() as session:
        statuses = list(session.execute(select(AuditEvent.action).where(AuditEvent.dossier_id == dossier.id, AuditEvent.action.like("status.%")).order_by(AuditEvent.seq)).scalars())
    assert statuses[-2:] == ["status.request_withdrawal", "status.stop"]
    with pytest.raises(IllegalTransition):
        commands.withdraw(staff["one_stop"], dossier.code, "lần nữa")


def test_apology_once(commands, services, staff, clock):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = receive(commands, staff)  # due Mon 16/3 08:00
    to_appraisal(commands, services, staff, dossier)
    clock.set(local(2026, 3, 12, 10, 0))
    new_due = local(2026, 3, 20, 16, 0)
    dossier = commands.extend(staff["specialist"], dossier.code, new_due, "Cần xác minh thực tế tại cơ sở")
    assert dossier.due_at == new_due
    assert dossier.statutory_due_at == local(2026, 3, 16, 8, 0)  # the legal deadline is unchanged
    apology = forms(services, dossier.id)[-1]
    assert apology.form == "apology" and apology.form_number.startswith("Mẫu 04")
    with pytest.raises(InvalidCommand, match="một lần"):
        commands.extend(staff["specialist"], dossier.code, new_due + timedelta(days=3), "Lần hai")
    # it still counts as late when returned
    step(commands, services, staff, dossier, "appraise", "propose_approval", ["conditions_checked"])
    step(commands, services, staff, dossier, "review", "agree")
    step(commands, services, staff, dossier, "approve", "sign")
    step(commands, services, staff, dossier, "register")
    dossier = commands.return_result(staff["one_stop"], dossier.code)
    assert dossier.timeliness == "late"


def test_apology_at_the_cutoff_is_timely(commands, services, staff, clock):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = receive(commands, staff)  # due Mon 16/3 08:00
    clock.set(local(2026, 3, 12, 17, 0))  # Thu 17:00: exactly one working day left → in time
    dossier = commands.extend(staff["one_stop"], dossier.code, local(2026, 3, 20, 16, 0), "Chậm")
    assert dossier.extended_at is not None
    with services.sessions() as session:
        kinds = list(session.execute(select(AuditEvent.action).where(AuditEvent.dossier_id == dossier.id)).scalars())
    assert "dossier.extended" in kinds and "nonconformity.late_apology" not in kinds


def test_transfer_of_competence(commands, services, staff):
    dossier = receive(commands, staff)
    to_appraisal(commands, services, staff, dossier)
    before = load(services, dossier.code)
    with pytest.raises(Forbidden):
        commands.transfer_competence(staff["director"], dossier.code, "cb-so-noi-vu", "x")
    dossier = commands.transfer_competence(staff["analyst"], dossier.code, "cb-so-noi-vu", "Quyết định chuyển giao (thử nghiệm)")
    assert dossier.agency_id == "cb-so-noi-vu"
    assert dossier.received_at == before.received_at and dossier.due_at == before.due_at
    task = only_task(services, dossier.id, "appraise")
    assert task.agency_id == "cb-so-noi-vu" and task.due_at is not None
    with pytest.raises(Forbidden):  # the old agency's specialist can no longer act
        commands.claim(staff["specialist"], task.id)
    from engine import Actor

    successor = Actor("cv_noivu", "specialist", "cb-so-noi-vu")
    commands.claim(successor, task.id)
    with services.sessions() as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "dossier.competence_transferred")).scalar_one()
    assert event.before == {"agency": AGENCY}
    assert event.after["legal_basis"] == "Quyết định chuyển giao (thử nghiệm)"


def test_illegal_move_names_dossier(commands, services, staff):
    dossier = receive(commands, staff)
    with pytest.raises(IllegalTransition) as info:
        commands.return_result(staff["one_stop"], dossier.code)
    assert dossier.code in info.value.message and "received" in info.value.message
    assert info.value.details == {"dossier": dossier.code, "status": "received", "move": "return_result"}


def test_missing_checkpoint_changes_nothing(commands, services, staff):
    dossier = receive(commands, staff)
    task = only_task(services, dossier.id, "intake")
    version = load(services, dossier.code).version
    with pytest.raises(InvalidCommand) as info:
        commands.complete(staff["one_stop"], task.id, None, ["complete"])
    assert info.value.details["missing"] == ["scanned_signed"]
    after = load(services, dossier.code)
    assert after.version == version and after.status == "received"
    assert only_task(services, dossier.id, "intake").state == "open"
    with pytest.raises(InvalidCommand, match="không có kết quả"):
        commands.complete(staff["one_stop"], task.id, "approve_everything", INTAKE_CHECKS)


def test_permissions(commands, services, staff):
    dossier = receive(commands, staff)
    task = only_task(services, dossier.id, "intake")
    with pytest.raises(Forbidden):
        commands.claim(staff["specialist"], task.id)  # wrong role
    with pytest.raises(NotFound):
        commands.request_supplement(staff["outsider"], dossier.code, ["x"])  # other agency: not found (issue 12)
    with pytest.raises(Forbidden):
        commands.receive(staff["clerk"], "1.001806", APPLICANT)
    with pytest.raises(NotFound):
        commands.receive(staff["one_stop"], "9.999999", APPLICANT)
    with pytest.raises(InvalidCommand):
        commands.receive(staff["one_stop"], "1.001806", {"name": ""})
    with pytest.raises(InvalidCommand):
        commands.receive(staff["one_stop"], "1.001806", APPLICANT, channel="fax")


def test_claimed_by_someone_else(commands, services, staff):
    from engine import Actor

    dossier = receive(commands, staff)
    task = only_task(services, dossier.id, "intake")
    commands.claim(staff["one_stop"], task.id)
    colleague = Actor("one_stop2", "one_stop", AGENCY)
    with pytest.raises(Conflict, match="one_stop1"):
        commands.claim(colleague, task.id)


def test_completing_an_unclaimed_step_claims_it_in_the_same_command(commands, services, staff, clock):
    from tests.helpers import audit_count

    dossier = receive(commands, staff)
    task = only_task(services, dossier.id, "intake")
    events = audit_count(services)
    clock.advance(minutes=5)
    commands.complete(staff["one_stop"], task.id, "done", INTAKE_CHECKS)
    with services.sessions() as session:
        from engine.storage.models import Task

        done = session.get(Task, task.id)
        assert done is not None
        assert (done.claimed_by, done.claimed_at, done.completed_at) == ("one_stop1", clock.now(), clock.now())
        actions = [e.action for e in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()][events:]
    assert "task.claimed" not in actions and actions[0] == "step.completed"


def test_dossier_codes_daily_serial(commands, services, staff, clock):
    clock.set(local(2026, 3, 2, 8, 0))
    a = receive(commands, staff)
    b = receive(commands, staff)
    clock.set(local(2026, 3, 3, 8, 0))
    c = receive(commands, staff)
    assert (a.code, b.code, c.code) == ("CB.SYT-260302-0001", "CB.SYT-260302-0002", "CB.SYT-260303-0001")


def test_unconfirmed_needs_permission(commands, services, staff):
    services.settings.allow_unconfirmed = False
    with pytest.raises(InvalidCommand, match="chưa được xác nhận"):
        commands.receive(staff["one_stop"], "9.900012", APPLICANT)  # its deadline is "đang cập nhật"
    services.settings.allow_unconfirmed = True
    assert commands.receive(staff["one_stop"], "9.900012", APPLICANT).status == "received"


def test_clock_hours_procedure(commands, services, staff, clock):
    """1.004946: "trong vòng 12 giờ từ khi nhận thông tin" is 12 clock hours, day and night (LEGAL.md §4)."""
    clock.set(local(2026, 3, 2, 9, 0))
    dossier = commands.receive(staff["one_stop"], "1.004946", APPLICANT, competent_agency=THUC_PHAN)
    assert dossier.due_at == local(2026, 3, 2, 21, 0)  # not Tue 14:30, as 12 working hours would give
    first = only_task(services, dossier.id)
    assert first.due_at == local(2026, 3, 2, 9, 30)  # its step: 0.5 clock hours
    clock.set(local(2026, 2, 13, 20, 0))  # a Friday evening before Tết: the night and the holidays count
    night = commands.receive(staff["one_stop"], "1.004946", APPLICANT, competent_agency=THUC_PHAN)
    assert night.due_at == local(2026, 2, 14, 8, 0)


def test_clock_hours_unit_everywhere():
    from engine.definitions import Duration
    from engine.durations import duration_label
    from tests.helpers import run_cli

    assert duration_label({"hours": 12}) == "12 giờ" and Duration.from_mapping({"hours": 0.5}).label() == "0,5 giờ"
    assert not Duration.from_mapping({"hours": 12}).is_working
    result = run_cli("due", "2026-03-06T22:00+07:00", "4", "hours")  # Friday night into Saturday
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2026-03-07T02:00:00+07:00"


def test_calendar_day_procedure(commands, services, staff, clock):
    clock.set(local(2026, 3, 2, 9, 0))
    dossier = commands.receive(staff["one_stop"], "1.014113", APPLICANT)  # 85 calendar days
    assert dossier.due_at == local(2026, 5, 26, 9, 0)  # 2/3 + 85 days = Tue 26/5


def test_chain_across_agencies(commands, services, staff):
    """2.000286: the commune's steps of a chain run by a provincial centre go to the commune chosen at receipt."""
    from engine import Actor
    from engine.simulate import Driver

    with pytest.raises(InvalidCommand, match="có các bước do UBND cấp xã"):
        commands.receive(staff["one_stop"], "2.000286", APPLICANT)  # a provincial desk must name the commune
    with pytest.raises(InvalidCommand, match="không phải đơn vị hành chính có thẩm quyền"):
        commands.receive(staff["one_stop"], "2.000286", APPLICANT, competent_agency="cb-xa-cu-01267")  # gone since 1/7/2025
    dossier = commands.receive(staff["one_stop"], "2.000286", APPLICANT, competent_agency=THUC_PHAN)
    assert dossier.agency_id == "cb-co-so-tro-giup-xa-hoi" and dossier.step_units == {"cb-ubnd-xa": THUC_PHAN}
    seen = []
    driver = Driver(commands, lambda task: Actor(f"{task.role}@{task.agency_id}", task.role, task.agency_id, unit=task.division),
                    claim=False, before_step=lambda task: seen.append((task.step_id, task.agency_id)))
    driver.run(dossier, until="commune_assign")
    first = only_task(services, dossier.id, "commune_assign")
    assert first.agency_id == THUC_PHAN
    with pytest.raises(NotFound):  # another ward's head: another agency's task is not found (issue 12, permission first)
        commands.claim(Actor("lanhdao_nungtricao", "division_head", "cb-xa-01279"), first.id)
    driver.run(dossier, steps=20)
    by_step = dict(seen)
    assert {a for s, a in seen if s.startswith("commune_")} == {THUC_PHAN}
    assert "cb-ubnd-xa" not in by_step.values() and "cb-so-y-te" in by_step.values()
    assert "cb-co-so-tro-giup-xa-hoi" in by_step.values()
    assert load(services, dossier.code).status == "returned"
    # A desk of a ward takes the steps itself when it names none.
    own = commands.receive(Actor("mc_thucphan", "one_stop", THUC_PHAN), "2.000286", APPLICANT)
    assert own.step_units == {"cb-ubnd-xa": THUC_PHAN}
    # The choice is in the receipt's audit event: a row changed behind the commands' back shows in `audit verify`.
    from sqlalchemy import update

    from engine.quality.replay import check
    from engine.storage.models import Dossier
    with services.sessions() as session:
        assert [m for m in check(session) if m.code in (dossier.code, own.code)] == []
        session.execute(update(Dossier).where(Dossier.id == own.id).values(step_units={"cb-ubnd-xa": "cb-xa-01279"}))
        session.commit()
        [mismatch] = [m for m in check(session) if m.code == own.code]
    assert mismatch.field == "step_units" and mismatch.expected == {"cb-ubnd-xa": THUC_PHAN}


def test_outbox_rows_written_with_command(commands, services, staff):
    services.settings.dispatch_outbox = False
    dossier = receive(commands, staff)
    with services.sessions() as session:
        pending = list(session.execute(select(OutboxMessage).where(OutboxMessage.dossier_id == dossier.id)).scalars())
    assert [m.handler for m in pending] == ["receipt"] and pending[0].processed_at is None
    assert forms(services, dossier.id) == []


def test_procedure_with_variants(commands, services, staff, clock, database):
    """A procedure with cases: the dossier picks one at receipt; its deadline and route follow it."""
    catalog = load_catalog(WORKFLOWS)
    base = dict(catalog.procedures["1.001806"].raw)
    route_a = base.pop("route")
    base.pop("deadline")
    route_b = [dict(s, id=f"b_{s['id']}") for s in route_a]
    for s in route_b:
        if isinstance(s.get("outcomes"), dict):
            s["outcomes"] = {k: f"b_{v}" for k, v in s["outcomes"].items()}
    base |= {"code": "9.900003", "variants": [
        {"id": "cap_moi", "name": "Cấp mới", "deadline": {"working_days": 10}, "route": route_a},
        {"id": "giai_the", "name": "Giải thể", "deadline": {"working_days": 12}, "route": route_b},
    ]}
    procedure = procedure_from_data(base, "test variants")
    catalog.procedures = {procedure.code: procedure}
    with services.sessions() as session:
        sync_catalog(session, catalog, local(2025, 1, 1, 8, 0))
        session.commit()
    clock.set(local(2026, 3, 2, 8, 0))
    with pytest.raises(InvalidCommand, match="nhiều trường hợp"):
        commands.receive(staff["one_stop"], "9.900003", APPLICANT)
    with pytest.raises(InvalidCommand, match="không có trường hợp 'khac'"):
        commands.receive(staff["one_stop"], "9.900003", APPLICANT, variant="khac")
    dossier = commands.receive(staff["one_stop"], "9.900003", APPLICANT, variant="giai_the")
    assert dossier.variant == "giai_the"
    assert dossier.due_at == local(2026, 3, 18, 8, 0)  # 12 working days from Mon 2/3 08:00
    task = only_task(services, dossier.id, "b_intake")
    commands.complete(staff["one_stop"], task.id, None, INTAKE_CHECKS)
    only_task(services, dossier.id, "b_assign")
    services.workflows.clear()  # rebuilt from the stored log, with its variant
    commands.complete(staff["division_head"], only_task(services, dossier.id, "b_assign").id)
    only_task(services, dossier.id, "b_appraise")
    receipt = forms(services, dossier.id)[0]
    assert receipt.content["variant"] == "Giải thể" and receipt.content["deadline"] == "12 ngày làm việc"


def test_incomplete_at_the_desk(commands, services, staff, clock):
    """Mẫu 02 at intake: no clock runs; the complete supplement is the receipt."""
    clock.set(local(2026, 3, 2, 9, 0))
    dossier = commands.request_supplement_at_intake(staff["one_stop"], "1.001806", APPLICANT, ["Bản sao giấy phép"], "Thiếu giấy tờ")
    assert dossier.status == "awaiting_supplement" and dossier.received_at is None and dossier.due_at is None
    assert open_tasks(services, dossier.id) == []
    assert [f.form for f in forms(services, dossier.id)] == ["supplement_request"]
    clock.set(local(2026, 3, 4, 10, 0))
    dossier = commands.receive_supplement(staff["one_stop"], dossier.code, ["giay_phep"])
    assert dossier.status == "received" and dossier.received_at == local(2026, 3, 4, 10, 0)
    assert dossier.due_at == local(2026, 3, 18, 10, 0)  # 10 working days from the complete dossier
    only_task(services, dossier.id, "intake")
    assert [f.form for f in forms(services, dossier.id)] == ["supplement_request", "receipt"]


def test_forms_follow_the_regime_in_force_at_receipt(commands, services, staff, clock):
    """Received on 30/6/2025 (Decree 61/2018): still numbered under it after 1/7/2025 (Decree 118/2025)."""
    catalog = load_catalog(WORKFLOWS)
    data = {k: v for k, v in catalog.procedures["1.001806"].raw.items() if k != "published_by"} | {"code": "9.900005"}
    catalog.procedures = {"9.900005": procedure_from_data(data, "test: in force since 1/1/2025")}
    with services.sessions() as session:
        sync_catalog(session, catalog, local(2025, 1, 1, 8, 0))
        session.commit()
    clock.set(local(2025, 6, 30, 9, 0))
    dossier = receive(commands, staff, "9.900005")
    clock.set(local(2025, 7, 2, 9, 0))
    commands.withdraw(staff["one_stop"], dossier.code, "Người nộp rút hồ sơ")
    issued = {f.form: f for f in forms(services, dossier.id)}  # the control slip is filed when the dossier stops
    receipt, stop, slip = issued["receipt"], issued["stop_notice"], issued["control_slip"]
    assert (receipt.regime, receipt.form_number) == ("nd61-2018", "Mẫu 01")
    assert (slip.form, slip.regime, slip.form_number) == ("control_slip", "nd61-2018", "Mẫu 05")
    assert stop.regime == "nd61-2018" and stop.form_number == "(không có mẫu quy định)"  # no stop notice form then
    clock.set(local(2025, 7, 1, 8, 0))
    later = receive(commands, staff, "9.900005")
    (receipt,) = forms(services, later.id)
    assert (receipt.regime, receipt.form_number) == ("nd118-2025", "Mẫu 01")
