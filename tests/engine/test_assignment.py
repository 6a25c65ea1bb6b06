"""Assignment (phân công): the division head picks the specialist, may reassign an open step (audited);
the inbox's "mine" and "my division"; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import Actor, Forbidden, InvalidCommand, NotFound
from engine import queries as q
from engine.queries.workload import workload
from engine.simulate import Driver
from engine.storage.models import AuditEvent
from tests.helpers import AGENCY, APPLICANT, DIVISION, only_task


def at_assignment(commands, staff):  # type: ignore[no-untyped-def]
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    Driver(commands, staff).run(dossier, until="assign")
    return dossier


def test_head_picks_the_specialist_at_assignment(services, commands, staff, people):
    head = staff["division_head"]
    busy = at_assignment(commands, staff)
    task = only_task(services, busy.id, "assign")
    commands.complete(head, task.id, None, (), assignee="specialist1")
    with services.sessions() as session:
        people = workload(session, AGENCY, "specialist", DIVISION)
    assert people == [{"id": "specialist2", "name": "Cán bộ specialist2", "open": 0},
                      {"id": "specialist1", "name": "Cán bộ specialist1", "open": 1}]  # least loaded first
    appraise = only_task(services, busy.id, "appraise")
    assert appraise.claimed_by == "specialist1"
    with services.sessions() as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "task.assigned")).scalar_one()
    assert event.actor == head.id and event.after["assignee"] == "specialist1" and event.after["step"] == "appraise"
    # The other specialist cannot complete it; the assignee can.
    with pytest.raises(Exception, match="specialist1"):
        commands.complete(Actor("specialist2", "specialist", AGENCY, unit=DIVISION), appraise.id, "propose_approval",
                          ["conditions_checked"])


def test_reassignment_is_audited_and_checked(services, commands, staff, people):
    dossier = at_assignment(commands, staff)
    commands.complete(staff["division_head"], only_task(services, dossier.id, "assign").id, None, (),
                      assignee="specialist1")
    appraise = only_task(services, dossier.id, "appraise")
    commands.assign_step(staff["division_head"], appraise.id, "specialist2", "Chuyên viên 1 nghỉ phép")
    assert only_task(services, dossier.id, "appraise").claimed_by == "specialist2"
    with services.sessions() as session:
        last = session.execute(select(AuditEvent).where(AuditEvent.action == "task.assigned")
                               .order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    assert last.after == {"task": appraise.id, "step": "appraise", "assignee": "specialist2",
                          "previous": "specialist1", "note": "Chuyên viên 1 nghỉ phép"}
    with pytest.raises(Forbidden, match="lãnh đạo"):
        commands.assign_step(staff["specialist"], appraise.id, "specialist1")
    with pytest.raises(NotFound):  # another agency's task: not found, nothing named (issue 12)
        commands.assign_step(Actor("head_other", "division_head", "cb-so-noi-vu"), appraise.id, "specialist1")
    with pytest.raises(InvalidCommand, match="Không phân công được cho Cán bộ clerk1"):
        commands.assign_step(staff["division_head"], appraise.id, "clerk1")
    with pytest.raises(InvalidCommand, match="Không có cán bộ"):
        commands.assign_step(staff["division_head"], appraise.id, "nobody")


def test_assignee_at_a_step_that_leads_nowhere_else_is_refused(services, commands, staff, people):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    intake = only_task(services, dossier.id, "intake")
    with pytest.raises(InvalidCommand, match="Không phân công được"):
        commands.complete(staff["one_stop"], intake.id, None, ["complete", "scanned_signed"], assignee="specialist1")
    assert only_task(services, dossier.id, "intake").state == "open"  # nothing was written


def test_inbox_mine_and_my_division(services, commands, staff, people):
    first, second = at_assignment(commands, staff), at_assignment(commands, staff)
    head = staff["division_head"]
    commands.complete(head, only_task(services, first.id, "assign").id, None, (), assignee="specialist1")
    commands.complete(head, only_task(services, second.id, "assign").id, None, (), assignee="specialist2")
    me = Actor("specialist1", "specialist", AGENCY, unit=DIVISION)
    with services.sessions() as session:
        mine = {i["code"] for i in q.inbox(session, me, scope="mine").items}
        division = {(i["code"], i["claimed_by"]) for i in q.inbox(session, head, scope="division").items}
        heads_own = q.inbox(session, head, scope="mine").items
    assert mine == {first.code}
    assert division == {(first.code, "specialist1"), (second.code, "specialist2")}
    assert heads_own == []
