"""pm4py (AGPL: a test dependency only, never imported by the product) reads the XES export and
replays it on the version's BPMN; its verdict per dossier agrees with the product's own.

The seeded set: dossiers that follow the route (approval; refusal proposed and signed; a review
that sends the appraisal back once; a supplement asked and received) and histories that do not
(imported from an older system: a step skipped, steps in the wrong order, a dossier returned
half-way). Not in the set, on purpose: a refusal by the Refuse command or a withdrawal, which
the law allows at any step and the product counts as an exit (their tokens *cancelled*), while
the BPMN has no such exit, so pm4py calls them unfit (docs/quality.md says so).
"""

from __future__ import annotations

from sqlalchemy import select

from engine.audit import record
from engine.policy import Actor
from engine.quality import export
from engine.quality.conformance import check_dossier
from engine.quality.queries import EventFilter
from engine.simulate import Driver
from engine.storage.models import Dossier, ProcedureVersion
from tests.helpers import APPLICANT


def _imported(services, commands, staff, clock, steps):  # type: ignore[no-untyped-def]
    """A dossier whose route history came from another system: the steps as it recorded them, then returned."""
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    someone = Actor("legacy", "one_stop", "cb-so-y-te")
    with services.sessions() as session:
        row = session.execute(select(Dossier).where(Dossier.id == dossier.id)).scalar_one()
        for step, outcome in steps:
            record(session, row, someone, "step.completed", {}, {"step": step, "outcome": outcome, "checkpoints": []}, clock.now())
        record(session, row, someone, "status.start_processing", {"status": "received"}, {"status": "processing"}, clock.now())
        record(session, row, someone, "status.resolve", {"status": "processing"}, {"status": "resolved", "result": "approved"}, clock.now())
        record(session, row, someone, "status.return_result", {"status": "resolved"}, {"status": "returned"}, clock.now())
        row.status, row.result = "returned", "approved"
        session.commit()
    return dossier


def test_pm4py_token_replay_agrees(services, commands, staff, clock, tmp_path):
    import pm4py
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay

    driver = Driver(commands, staff)
    ours = [driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT))]
    refused = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT), until="appraise")
    driver.take(refused, outcome="propose_refusal", checkpoints=["conditions_checked"], note="Không đủ điều kiện")
    ours.append(driver.run(refused))
    loop = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT), until="review")
    driver.take(loop, outcome="send_back")
    ours.append(driver.run(loop))
    supplemented = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT), until="appraise")
    driver.take(supplemented, outcome="request_supplement", supplement_items=["Giấy xác nhận"])
    commands.receive_supplement(staff["one_stop"], supplemented.code, [])
    ours.append(driver.run(supplemented))
    route = [("intake", "done"), ("assign", "done"), ("appraise", "propose_approval"), ("review", "agree"),
             ("approve", "sign"), ("register", "done"), ("return", "done")]
    ours.append(_imported(services, commands, staff, clock, [route[0], route[1], *route[3:]]))  # no appraisal
    ours.append(_imported(services, commands, staff, clock, [route[0], route[2], route[1], *route[3:]]))  # out of order
    ours.append(_imported(services, commands, staff, clock, route[:3]))  # returned half-way

    with services.sessions() as session:
        verdicts = {}
        for d in ours:
            row = session.execute(select(Dossier).where(Dossier.id == d.id)).scalar_one()
            verdicts[row.code] = check_dossier(services, session, row).route_fits
        version = session.execute(select(Dossier.procedure_version_id).where(Dossier.id == ours[0].id)).scalar_one()
        (tmp_path / "route.bpmn").write_text(session.get(ProcedureVersion, version).bpmn_xml, encoding="utf-8")
        (tmp_path / "log.xes").write_text("".join(export.xes(session, EventFilter(), services.calendar.tz,
                                                              export.step_names(session))), encoding="utf-8")
    assert list(verdicts.values()) == [True, True, True, True, False, False, False]

    log = pm4py.convert_to_event_log(pm4py.read_xes(str(tmp_path / "log.xes")))
    net, im, fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(tmp_path / "route.bpmn")))
    replayed = token_replay.apply(log, net, im, fm)
    theirs = {trace.attributes["concept:name"]: result["trace_is_fit"] for trace, result in zip(log, replayed, strict=True)}
    assert theirs == verdicts
