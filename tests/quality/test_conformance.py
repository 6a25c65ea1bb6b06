"""Each deviation kind comes from a real scenario through the commands, and conforming dossiers show none.

Scenarios run on the real catalogue (1.001806: intake → assign → appraise → review → approve →
register → return) with the fixed clock, on SQLite and PostgreSQL. Where the engine itself forbids
a deviation (a step out of the route's order), the history is one an import from an older system
writes: events recorded as they came, which the check must still judge.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.audit import record
from engine.catalogue_sync import sync_catalog
from engine.definitions import load_catalog, procedure_from_data
from engine.policy import Actor
from engine.quality.conformance import check_dossier
from engine.simulate import Driver
from engine.storage.models import Dossier
from tests.helpers import APPLICANT, WORKFLOWS, local, only_task


def report(services, code):  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        return check_dossier(services, session, dossier)


def kinds(rep):  # type: ignore[no-untyped-def]
    return sorted({d.kind for d in rep.deviations})


@pytest.fixture
def driver(commands, staff):
    return Driver(commands, staff)


def receive(commands, staff, code="1.001806"):  # type: ignore[no-untyped-def]
    return commands.receive(staff["one_stop"], code, APPLICANT)


# ---------------------------------------------------------------------- conforming dossiers

def test_conforming_approval(services, commands, staff, driver):
    dossier = driver.run(receive(commands, staff))
    rep = report(services, dossier.code)
    assert rep.closed and rep.conforming, rep.deviations
    assert rep.tokens.missing == rep.tokens.remaining == 0 and rep.tokens.fitness == 1.0
    assert rep.trace == ["intake", "assign", "appraise", "review", "approve", "register", "return"]


def test_conforming_refusal_through_the_route(services, commands, staff, driver):
    dossier = driver.run(receive(commands, staff), until="appraise")
    driver.take(dossier, outcome="propose_refusal", checkpoints=["conditions_checked"], note="Không đủ điều kiện")
    dossier = driver.run(dossier)
    assert dossier.result == "refused"
    assert report(services, dossier.code).conforming


def test_conforming_withdrawal_and_one_supplement_and_timely_apology(services, commands, staff, driver, clock):
    withdrawn = receive(commands, staff)
    commands.withdraw(staff["one_stop"], withdrawn.code, "Người nộp xin rút")
    rep = report(services, withdrawn.code)
    assert rep.conforming and rep.tokens.cancelled == 1 and rep.tokens.remaining == 0

    dossier = driver.run(receive(commands, staff), until="appraise")
    driver.take(dossier, outcome="request_supplement", supplement_items=["Giấy xác nhận"])
    commands.receive_supplement(staff["one_stop"], dossier.code, [])
    commands.extend(staff["director"], dossier.code, local(2026, 4, 30, 17, 0), "Cần xác minh thêm")
    dossier = driver.run(dossier)
    assert report(services, dossier.code).conforming, report(services, dossier.code).deviations


def test_conforming_refusal_by_the_director(services, commands, staff, driver):
    dossier = driver.run(receive(commands, staff), until="appraise")
    commands.refuse(staff["director"], dossier.code, ["Không đủ điều kiện"])
    dossier = driver.run(dossier)
    rep = report(services, dossier.code)
    assert rep.conforming, rep.deviations
    assert rep.tokens.cancelled == 1 and rep.tokens.missing == 0


# ---------------------------------------------------------------------- each kind

def test_wrong_actor(services, commands, staff, driver):
    """The administrator (whom the engine lets take any step) signs in the director's place."""
    dossier = driver.run(receive(commands, staff), until="approve")
    task = only_task(services, dossier.id, "approve")
    commands.act_as(staff["admin"], dossier.code, "Lãnh đạo vắng, quản trị viên làm thay (kịch bản sai lệch)")  # separation of duties: recorded first
    commands.complete(staff["admin"], task.id, "sign")
    dossier = driver.run(dossier)
    rep = report(services, dossier.code)
    assert kinds(rep) == ["wrong_actor"]
    (dev,) = rep.deviations
    assert dev.step == "approve" and dev.severity == "major" and len(dev.evidence) == 1 and "administrator" in dev.detail


def test_step_late(services, commands, staff, driver, clock):
    dossier = driver.run(receive(commands, staff), until="review")
    clock.set(local(2026, 3, 4, 16, 0))  # review had half a working day from the appraisal
    dossier = driver.run(dossier)
    rep = report(services, dossier.code)
    assert kinds(rep) == ["step_late"]
    assert {d.step for d in rep.deviations} == {"review"}


def test_checkpoint_missing(services, commands, staff, driver, clock):
    """A version whose return step asks for the applicant's signature: the desk's "return" does not ask for it."""
    catalog = load_catalog(WORKFLOWS)
    raw = dict(catalog.procedures["1.001806"].raw)
    route = [dict(s) for s in raw.pop("route")]
    route[-1]["checkpoints"] = [{"id": "applicant_signed", "label": "Người nhận đã ký sổ theo dõi"}]
    procedure = procedure_from_data(raw | {"code": "9.910001", "route": route}, "test: return step with a checkpoint")
    catalog.procedures = {procedure.code: procedure}
    with services.sessions() as session:
        sync_catalog(session, catalog, local(2025, 1, 1, 8, 0))
        session.commit()
    dossier = driver.run(receive(commands, staff, "9.910001"))
    assert dossier.status == "returned"
    rep = report(services, dossier.code)
    assert kinds(rep) == ["checkpoint_missing"] and rep.deviations[0].step == "return"


def test_form_missing(services, commands, staff, driver):
    """The receipt was never issued (no worker ran the outbox)."""
    services.settings.dispatch_outbox = False
    dossier = driver.run(receive(commands, staff))
    rep = report(services, dossier.code)
    assert kinds(rep) == ["form_missing"] and rep.deviations[0].step == "intake"


def test_second_supplement(services, commands, staff, driver):
    dossier = driver.run(receive(commands, staff), until="appraise")
    driver.take(dossier, outcome="request_supplement", supplement_items=["Giấy xác nhận"])
    commands.receive_supplement(staff["one_stop"], dossier.code, [])
    driver.take(dossier, outcome="request_supplement", supplement_items=["Bản sao hộ khẩu"],
                supplement_exception="Người nộp thay đổi yêu cầu")  # the engine asks why, and records it
    commands.receive_supplement(staff["one_stop"], dossier.code, [])
    dossier = driver.run(dossier)
    rep = report(services, dossier.code)
    assert kinds(rep) == ["second_supplement"] and len(rep.deviations) == 1
    assert len(rep.deviations[0].evidence) == 3 and "Người nộp thay đổi yêu cầu" in rep.deviations[0].detail


def test_late_result_without_apology(services, commands, staff, driver, clock):
    dossier = driver.run(receive(commands, staff), until="register")
    clock.set(local(2026, 3, 20, 9, 0))  # due 16/3
    dossier = driver.run(dossier)
    rep = report(services, dossier.code)
    assert {"apology_missing", "result_late"} <= set(kinds(rep))
    assert {d.kind for d in rep.deviations} - {"apology_missing", "result_late", "step_late"} == set()


def test_refusal_without_decision(services, commands, staff, driver):
    """The administrator (whom the engine lets refuse) refuses on their own: no leader decided."""
    dossier = driver.run(receive(commands, staff), until="review")
    commands.act_as(staff["admin"], dossier.code, "Lãnh đạo vắng, quản trị viên làm thay (kịch bản sai lệch)")  # separation of duties: recorded first
    commands.refuse(staff["admin"], dossier.code, ["Không đủ điều kiện"])
    dossier = driver.run(dossier)
    rep = report(services, dossier.code)
    assert kinds(rep) == ["refusal_without_decision"]


def test_closed_without_notice(services, commands, staff):
    """A withdrawal whose stop notice was never issued."""
    services.settings.dispatch_outbox = False
    dossier = receive(commands, staff)
    commands.withdraw(staff["one_stop"], dossier.code, "Người nộp xin rút")
    rep = report(services, dossier.code)
    assert "closed_without_result" in kinds(rep)


def test_route_order_and_unfinished_in_an_imported_history(services, commands, staff, clock):
    """An older system's history: the approval recorded without assignment, appraisal or review."""
    dossier = receive(commands, staff)
    director = Actor("director1", "director", "cb-so-y-te")
    with services.sessions() as session:
        row = session.execute(select(Dossier).where(Dossier.id == dossier.id)).scalar_one()
        record(session, row, director, "step.completed", {}, {"step": "approve", "outcome": "sign", "checkpoints": []}, clock.now())
        record(session, row, staff["one_stop"], "status.start_processing", {"status": "received"}, {"status": "processing"}, clock.now())
        record(session, row, staff["one_stop"], "status.resolve", {"status": "processing"}, {"status": "resolved", "result": "approved"}, clock.now())
        record(session, row, staff["one_stop"], "status.return_result", {"status": "resolved"}, {"status": "returned"}, clock.now())
        row.status, row.result = "returned", "approved"
        session.commit()
    rep = report(services, dossier.code)
    assert "route_order" in kinds(rep) and "route_unfinished" in kinds(rep)
    assert rep.tokens.missing == 1 and rep.tokens.remaining >= 1 and rep.tokens.fitness < 1
    assert next(d for d in rep.deviations if d.kind == "route_order").step == "approve"


def test_closed_for_want_of_supplement_conforms_and_without_notice_does_not(services, commands, staff, driver, clock):
    """Closed because the supplement never came (the law's exit, with its notice): conforming; the notice
    never issued: closed without a notice."""
    from engine import SYSTEM

    for dispatch in (True, False):
        services.settings.dispatch_outbox = dispatch
        dossier = driver.run(receive(commands, staff), until="appraise")
        driver.take(dossier, outcome="request_supplement", supplement_items=["Giấy xác nhận"])
        clock.set(local(2026, 6, 1, 9, 0) if dispatch else local(2026, 9, 1, 9, 0))
        commands.close_unsupplemented(SYSTEM, dossier.code)
        rep = report(services, dossier.code)
        assert rep.closed and rep.tokens.cancelled == 1 and rep.tokens.remaining == 0
        if dispatch:
            assert rep.conforming, rep.deviations
        else:
            assert "closed_without_result" in kinds(rep)


def test_late_apology(services, commands, staff, driver, clock):
    """An apology after the one-day cut-off: the engine records it as a nonconformity, the check names it once."""
    dossier = driver.run(receive(commands, staff), until="register")
    clock.set(local(2026, 3, 13, 16, 0))  # due Mon 16/3 08:00: less than one working day left
    commands.extend(staff["director"], dossier.code, local(2026, 3, 20, 17, 0), "Chờ ký số")
    dossier = driver.run(dossier)
    rep = report(services, dossier.code)
    late = [d for d in rep.deviations if d.kind == "apology_late"]
    assert len(late) == 1 and len(late[0].evidence) == 2  # the apology and the engine's nonconformity event
    assert set(kinds(rep)) <= {"apology_late", "step_late"}  # the clock also ran past the register step's allowance
