"""The supplement rules of LEGAL.md §4, through the commands, on SQLite and PostgreSQL.

Once only (a second request is an exception recorded as a nonconformity), a late
request keeps the dossier late, a new appointment after the clock restarts, and the
closure of a dossier whose supplement did not arrive within the waiting period.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import SYSTEM, Actor, Forbidden, IllegalTransition, InvalidCommand
from engine.audit import verify
from engine.closing import close_due
from engine.events import NONCONFORMITIES
from engine.queries import due_for_closure
from engine.simulate import Driver
from engine.storage.models import AuditEvent
from tests.helpers import (
    AGENCY,
    APPLICANT,
    BACKENDS,
    PG_URL,
    WORKFLOWS,
    forms,
    load,
    local,
    only_task,
    open_tasks,
)

MISSING = ["Danh sách lao động là người khuyết tật"]


@pytest.fixture
def driver(commands, staff):  # type: ignore[no-untyped-def]
    return Driver(commands, staff)


def appraising(commands, staff, driver, code="1.001806"):  # type: ignore[no-untyped-def]
    """A dossier received now and taken to its appraisal step."""
    dossier = commands.receive(staff["one_stop"], code, APPLICANT, "direct", [])
    return driver.run(dossier, until="appraise")


def ask(commands, services, staff, dossier, **extra):  # type: ignore[no-untyped-def]
    """The specialist asks for a supplement from the appraisal step."""
    task = only_task(services, dossier.id, "appraise")
    commands.claim(staff["specialist"], task.id)
    return commands.complete(staff["specialist"], task.id, "request_supplement", supplement_items=MISSING, **extra)


def actions(services, dossier_id):  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return list(session.execute(
            select(AuditEvent).where(AuditEvent.dossier_id == dossier_id).order_by(AuditEvent.seq)
        ).scalars())


# ---------------------------------------------------------------------- once

def test_second_supplement_refused_unless_recorded_exception(commands, services, staff, clock, driver):
    dossier = appraising(commands, staff, driver)
    ask(commands, services, staff, dossier)
    commands.receive_supplement(staff["one_stop"], dossier.code, ["ds_lao_dong"])
    with pytest.raises(InvalidCommand, match="đầy đủ trong 01 lần") as refused:
        ask(commands, services, staff, dossier)
    assert "lý do ngoại lệ" in str(refused.value)
    with pytest.raises(InvalidCommand, match="đầy đủ trong 01 lần"):  # the dossier-level command alike
        commands.request_supplement(staff["specialist"], dossier.code, ["Bản sao giấy phép"])
    assert load(services, dossier.code).status == "processing"
    with pytest.raises(InvalidCommand):  # a blank reason is no exception
        commands.request_supplement(staff["specialist"], dossier.code, ["Bản sao giấy phép"], "", "   ")

    dossier = commands.request_supplement(staff["specialist"], dossier.code, ["Bản sao giấy phép"], "",
                                          "Giấy phép hết hạn trong thời gian thẩm định")
    assert dossier.status == "awaiting_supplement" and dossier.supplement_count == 2
    events = actions(services, dossier.id)
    exception = [e for e in events if e.action == "nonconformity.second_supplement"]
    assert len(exception) == 1 and exception[0].actor == "specialist1"
    assert exception[0].after == {"count": 2, "reason": "Giấy phép hết hạn trong thời gian thẩm định"}
    assert "nonconformity.second_supplement" in NONCONFORMITIES
    move = [e for e in events if e.action == "status.request_supplement"][-1]
    assert move.after["exception"] is True
    with pytest.raises(IllegalTransition):  # while waiting, no other notice at all
        commands.request_supplement(staff["specialist"], dossier.code, ["x"], "", "lý do")


def test_supplement_at_intake_counts_as_the_one_request(commands, services, staff):
    dossier = commands.request_supplement_at_intake(staff["one_stop"], "1.001806", APPLICANT, ["Bản sao giấy phép"], "Thiếu")
    commands.receive_supplement(staff["one_stop"], dossier.code, ["giay_phep"])
    with pytest.raises(InvalidCommand, match="đã được yêu cầu bổ sung 1 lần"):
        commands.request_supplement(staff["one_stop"], dossier.code, ["Thêm"])


# ---------------------------------------------------------------------- lateness is not laundered

def test_late_supplement_request_keeps_the_dossier_late(commands, services, staff, clock, driver):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(commands, staff, driver)  # statutory due Mon 16/3 08:00
    assert dossier.statutory_due_at == local(2026, 3, 16, 8, 0)
    clock.set(local(2026, 3, 17, 8, 0))  # one working day late
    dossier = ask(commands, services, staff, dossier)
    assert dossier.late_incurred == 8 * 3600
    move = [e for e in actions(services, dossier.id) if e.action == "status.request_supplement"][-1]
    assert move.after["late_by"] == 8 * 3600
    assert move.after["late_since"] == "2026-03-16T01:00:00.000000Z"  # as the audit log stores a moment
    clock.set(local(2026, 3, 18, 8, 0))
    dossier = commands.receive_supplement(staff["one_stop"], dossier.code, ["ds_lao_dong"])
    assert dossier.statutory_due_at == local(2026, 4, 1, 8, 0)  # restarted: a fresh 10 working days
    clock.set(local(2026, 3, 19, 9, 0))  # finished well before the new due time...
    dossier = driver.run(dossier)
    assert dossier.status == "returned"
    assert dossier.timeliness == "late"  # ...and still late: the lateness incurred stays


def test_timely_supplement_request_records_no_lateness(commands, services, staff, clock, driver):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(commands, staff, driver)
    clock.set(local(2026, 3, 4, 8, 0))
    dossier = ask(commands, services, staff, dossier)
    assert dossier.late_incurred is None
    clock.set(local(2026, 3, 5, 8, 0))
    dossier = commands.receive_supplement(staff["one_stop"], dossier.code, ["ds_lao_dong"])
    clock.set(local(2026, 3, 6, 8, 0))
    assert driver.run(dossier).timeliness == "early"


# ---------------------------------------------------------------------- a new appointment

def test_restart_issues_a_new_numbered_receipt(commands, services, staff, clock, driver):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(commands, staff, driver)
    clock.set(local(2026, 3, 4, 10, 0))
    ask(commands, services, staff, dossier)
    clock.set(local(2026, 3, 11, 14, 0))
    dossier = commands.receive_supplement(staff["one_stop"], dossier.code, ["ds_lao_dong"])
    receipts = [f for f in forms(services, dossier.id) if f.form == "receipt"]
    assert len(receipts) == 2
    first, renewed = receipts
    assert renewed.form_number == "Mẫu 01" and renewed.number != first.number
    assert renewed.content["renewal"] is True
    assert renewed.content["previous_due_at"] == local(2026, 3, 16, 8, 0).isoformat()
    assert renewed.content["due_at"] == local(2026, 3, 25, 14, 0).isoformat()
    assert first.content.get("renewal") is None


def test_pause_issues_a_new_receipt_too(commands, services, staff, clock, driver):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(commands, staff, driver, "9.900001")  # on_supplement: pause
    clock.set(local(2026, 3, 3, 9, 0))
    ask(commands, services, staff, dossier)
    clock.set(local(2026, 3, 5, 9, 0))
    dossier = commands.receive_supplement(staff["one_stop"], dossier.code, ["ds_lao_dong"])
    renewed = [f for f in forms(services, dossier.id) if f.form == "receipt"][-1]
    assert renewed.content["renewal"] is True and renewed.content["due_at"] == dossier.due_at.isoformat()


# ---------------------------------------------------------------------- closure

def test_closure_after_the_waiting_period(commands, services, staff, clock, driver):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(commands, staff, driver)
    clock.set(local(2026, 3, 3, 9, 0))
    dossier = ask(commands, services, staff, dossier)
    wait_until = local(2026, 3, 24, 9, 0)  # 15 working days from the notice, Tue 3/3 09:00
    assert dossier.supplement_wait_until == wait_until
    notice = [f for f in forms(services, dossier.id) if f.form == "supplement_request"][-1]
    assert notice.content["wait_until"] == wait_until.isoformat() and notice.content["wait"] == "15 ngày làm việc"
    with services.sessions() as session:
        assert due_for_closure(session, local(2026, 3, 24, 8, 59)) == []
        due = due_for_closure(session, wait_until)
    assert [(d.code, d.wait_until) for d in due] == [(dossier.code, wait_until)]

    clock.set(local(2026, 3, 23, 16, 0))
    with pytest.raises(InvalidCommand, match="còn trong thời hạn bổ sung"):
        commands.close_unsupplemented(SYSTEM, dossier.code)
    assert close_due(services) == []
    clock.set(wait_until)
    with pytest.raises(Forbidden):
        commands.close_unsupplemented(staff["one_stop"], dossier.code)
    with pytest.raises(Forbidden):
        commands.close_unsupplemented(staff["director"], dossier.code)
    assert close_due(services) == [dossier.code]

    closed = load(services, dossier.code)
    assert closed.status == "closed" and closed.result is None and closed.closed_at == wait_until
    assert open_tasks(services, dossier.id) == []
    notice = forms(services, dossier.id)[-1]
    assert notice.form == "closure_notice" and notice.form_number == "(không có mẫu quy định)"
    assert notice.content["wait_until"] == wait_until.isoformat()
    event = actions(services, dossier.id)[-1]
    assert event.action == "status.close_unsupplemented" and event.actor == "system"
    assert event.after["status"] == "closed" and event.after["wait"] == "15 ngày làm việc"
    assert close_due(services) == []  # idempotent: nothing left to close
    with pytest.raises(IllegalTransition):
        commands.receive_supplement(staff["one_stop"], dossier.code, ["ds_lao_dong"])
    with services.sessions() as session:
        assert list(verify(session)) == []


def test_supplement_in_time_is_not_closed(commands, services, staff, clock, driver):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(commands, staff, driver)
    clock.set(local(2026, 3, 3, 9, 0))
    ask(commands, services, staff, dossier)
    clock.set(local(2026, 3, 24, 8, 0))
    dossier = commands.receive_supplement(staff["one_stop"], dossier.code, ["ds_lao_dong"])
    assert dossier.supplement_wait_until is None
    clock.set(local(2026, 4, 30, 8, 0))
    with services.sessions() as session:
        assert due_for_closure(session, clock.now()) == []
    assert close_due(services) == []


def test_waiting_period_per_procedure_and_at_intake(commands, services, staff, clock, driver):
    clock.set(local(2026, 3, 2, 8, 0))
    short = appraising(commands, staff, driver, "9.900011")  # supplement_wait: 5 working days
    clock.set(local(2026, 3, 3, 9, 0))
    short = ask(commands, services, staff, short)
    assert short.supplement_wait_until == local(2026, 3, 10, 9, 0)
    at_desk = commands.request_supplement_at_intake(staff["one_stop"], "1.001806", APPLICANT, ["Bản sao giấy phép"], "Thiếu")
    assert at_desk.supplement_wait_until == local(2026, 3, 24, 9, 0)
    clock.set(local(2026, 3, 24, 9, 0))
    assert close_due(services) == [short.code, at_desk.code]  # oldest period first
    assert load(services, at_desk.code).status == "closed"
    assert [f.form for f in forms(services, at_desk.id)] == ["supplement_request", "closure_notice"]


def test_close_due_takes_a_limit(commands, services, staff, clock):
    clock.set(local(2026, 3, 2, 8, 0))
    codes = [commands.request_supplement_at_intake(staff["one_stop"], "1.001806", APPLICANT, ["Giấy tờ"], "Thiếu").code
             for _ in range(3)]
    clock.set(local(2026, 4, 1, 8, 0))
    assert close_due(services, limit=2) == codes[:2]
    assert close_due(services) == codes[2:]


# ---------------------------------------------------------------------- migration 0007 on a populated database

@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0007_backfills_the_waiting_period(backend, tmp_path):
    from alembic import command
    from sqlalchemy import inspect, text

    from engine import Commands, FixedClock, Services, Settings, WorkingCalendar
    from engine.catalogue_sync import sync_catalog
    from engine.definitions import load_catalog
    from engine.storage.db import (
        alembic_config,
        make_engine,
        migrate,
        scratch_database,
        session_factory,
    )

    with scratch_database(backend, PG_URL, tmp_path, "motcua_mig") as url:
        engine = make_engine(url)
        try:
            migrate(engine)
            with session_factory(engine)() as session:
                sync_catalog(session, load_catalog(WORKFLOWS), local(2025, 1, 1, 8, 0))
                session.commit()
            calendar = WorkingCalendar.from_yaml(WORKFLOWS / "calendar.yaml")
            services = Services(session_factory(engine), calendar, FixedClock(local(2026, 3, 3, 9, 0)), Settings())
            actor = Actor("one_stop1", "one_stop", AGENCY)
            waiting = Commands(services).request_supplement_at_intake(actor, "1.001806", APPLICANT, ["Giấy tờ"], "Thiếu")
            command.downgrade(alembic_config(engine), "0006")
            assert "supplement_wait_until" not in {c["name"] for c in inspect(engine).get_columns("dossiers")}
            migrate(engine)
            with engine.connect() as conn:
                value = conn.execute(text("SELECT supplement_wait_until FROM dossiers WHERE id = :id"),
                                     {"id": waiting.id}).scalar_one()
            assert load(services, waiting.code).supplement_wait_until == local(2026, 3, 24, 9, 0)
            assert value is not None
            index = next(i for i in inspect(engine).get_indexes("dossiers") if i["name"] == "ix_dossiers_supplement_wait")
            assert index["column_names"] == ["status", "supplement_wait_until"]
        finally:
            engine.dispose()


# ---------------------------------------------------------------------- waiting is not overdue; the apology

def test_waiting_dossier_is_not_overdue_and_offers_no_apology(commands, services, staff, clock, driver):
    from engine import queries as q

    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(commands, staff, driver)  # due Mon 16/3 08:00
    clock.set(local(2026, 3, 13, 8, 0))
    ask(commands, services, staff, dossier)
    clock.set(local(2026, 3, 20, 8, 0))  # past the old due time while the applicant is waited for
    with services.sessions() as session:
        overdue = q.dossiers(session, staff["admin"], now=clock.now(), overdue=True)
        within = q.dossiers(session, staff["admin"], now=clock.now(), overdue=False)
    assert overdue.total == 0 and [d["code"] for d in within.items] == [dossier.code]
    with pytest.raises(IllegalTransition):
        commands.extend(staff["one_stop"], dossier.code, local(2026, 3, 27, 16, 0), "Chậm")


def test_late_apology_is_taken_and_recorded_as_a_nonconformity(commands, services, staff, clock, driver):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(commands, staff, driver)  # due Mon 16/3 08:00
    clock.set(local(2026, 3, 17, 10, 0))  # after the due time
    with pytest.raises(InvalidCommand, match="sau thời hạn hiện tại"):
        commands.extend(staff["specialist"], dossier.code, local(2026, 3, 16, 7, 0), "Chậm")
    dossier = commands.extend(staff["specialist"], dossier.code, local(2026, 3, 20, 16, 0), "Cần xác minh tại cơ sở")
    assert dossier.due_at == local(2026, 3, 20, 16, 0) and dossier.extended_at == local(2026, 3, 17, 10, 0)
    events = actions(services, dossier.id)
    late = [e for e in events if e.action == "nonconformity.late_apology"]
    assert len(late) == 1 and late[0].after["left"] == 0 and "nonconformity.late_apology" in NONCONFORMITIES
    extended = next(e for e in events if e.action == "dossier.extended")
    assert extended.after["late"] is True
    apology = forms(services, dossier.id)[-1]
    assert apology.form == "apology"
    assert apology.content["previous_due_at"] == local(2026, 3, 16, 8, 0).isoformat()
    assert apology.content["new_due_at"] == local(2026, 3, 20, 16, 0).isoformat()
    with pytest.raises(InvalidCommand, match="một lần"):
        commands.extend(staff["specialist"], dossier.code, local(2026, 3, 25, 16, 0), "Lần hai")
    assert driver.run(dossier).timeliness == "late"


def test_apology_possible_until_the_result_is_returned(commands, services, staff, clock, driver):
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(commands, staff, driver)
    clock.set(local(2026, 3, 17, 8, 0))
    dossier = driver.run(dossier, until="return")
    assert dossier.status == "resolved"
    dossier = commands.extend(staff["one_stop"], dossier.code, local(2026, 3, 18, 16, 0), "Kết quả chậm")
    assert dossier.extended_at is not None
    dossier = driver.run(dossier)
    assert dossier.status == "returned"
    with pytest.raises(IllegalTransition):
        commands.extend(staff["one_stop"], dossier.code, local(2026, 3, 25, 16, 0), "Sau khi trả")
