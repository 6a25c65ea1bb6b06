"""The quality officer's records on both databases: the check on close, nonconformities and their
machine, internal audit sampling (reproducible by its seed), KPIs against stored targets."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine import Actor, Forbidden, IllegalTransition, InvalidCommand, dispatch_pending
from engine.quality import internal_audit, kpi, nonconformity
from engine.quality.models import AuditSample, ConformanceCheck, Nonconformity
from engine.quality.nonconformity import Move
from engine.simulate import Driver
from engine.storage.models import AuditEvent
from tests.helpers import APPLICANT, local, only_task

ISO = Actor("iso", "quality_officer", "cb-so-y-te")


def test_check_runs_when_a_dossier_closes(services, commands, staff):
    """Closing queues the check for the worker; it sees the notices the closing command issued."""
    driver = Driver(commands, staff)
    good = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT))
    withdrawn = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    commands.withdraw(staff["one_stop"], withdrawn.code, "Người nộp xin rút")
    bad = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT), until="approve")
    commands.act_as(staff["admin"], bad.code, "Lãnh đạo vắng, quản trị viên làm thay (kịch bản sai lệch)")  # separation of duties: recorded first
    commands.complete(staff["admin"], only_task(services, bad.id, "approve").id, "sign")
    bad = driver.run(bad)
    assert dispatch_pending(services) == 3
    with services.sessions() as session:
        rows = {r.code: r for r in session.execute(select(ConformanceCheck)).scalars()}
    assert rows[good.code].conforming and rows[good.code].trigger == "close" and rows[good.code].closed_at is not None
    assert rows[withdrawn.code].conforming
    assert not rows[bad.code].conforming and [d["kind"] for d in rows[bad.code].deviations] == ["wrong_actor"]


def _deviating(services, commands, staff):  # type: ignore[no-untyped-def]
    driver = Driver(commands, staff)
    bad = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT), until="approve")
    commands.act_as(staff["admin"], bad.code, "Lãnh đạo vắng, quản trị viên làm thay (kịch bản sai lệch)")  # separation of duties: recorded first
    commands.complete(staff["admin"], only_task(services, bad.id, "approve").id, "sign")
    bad = driver.run(bad)
    dispatch_pending(services)
    return bad


def test_nonconformity_lifecycle(services, commands, staff, clock):
    bad = _deviating(services, commands, staff)
    now = clock.now()
    with services.sessions() as session:
        with pytest.raises(Forbidden):
            nonconformity.from_deviation(session, staff["director"], now, bad.id, 0)
        nc = nonconformity.from_deviation(session, ISO, now, bad.id, 0)
        session.commit()
        assert (nc.state, nc.source, nc.deviation_kind, nc.dossiers, nc.severity) == ("open", "deviation", "wrong_actor", [bad.code], "major")
        with pytest.raises(InvalidCommand, match="đã được ghi nhận"):
            nonconformity.from_deviation(session, ISO, now, bad.id, 0)
        with pytest.raises(IllegalTransition, match="không thể"):
            nonconformity.move(session, ISO, now, nc.id, "implement", Move())
        with pytest.raises(InvalidCommand, match="Thiếu: nguyên nhân"):
            nonconformity.move(session, ISO, now, nc.id, "analyse", Move(correction="Hủy kết quả, trình lại"))
        nonconformity.move(session, ISO, now, nc.id, "analyse", Move(cause="Quản trị viên thao tác thay", correction="Trình lại"))
        nonconformity.move(session, ISO, now, nc.id, "plan", Move(corrective_action="Thu hồi quyền thao tác thay của quản trị",
                                                              owner="director1", due_date=date(2026, 3, 10)))
        session.commit()
        assert nonconformity.overdue(session, "director1", date(2026, 3, 10)) == []
        assert [n.id for n in nonconformity.overdue(session, "director1", date(2026, 3, 11))] == [nc.id]
        with pytest.raises(Forbidden):
            nonconformity.move(session, staff["specialist"], now, nc.id, "implement", Move())
        nonconformity.move(session, staff["director"], now, nc.id, "implement", Move(reason="Đã thu hồi"))
        nonconformity.move(session, ISO, now, nc.id, "verify_ineffective", Move(verification="Vẫn còn quyền", due_date=date(2026, 3, 20)))
        nonconformity.move(session, staff["director"], now, nc.id, "implement", Move())
        nonconformity.move(session, ISO, now, nc.id, "verify_effective", Move(verification="Đã kiểm tra: không còn quyền"))
        session.commit()
        row = session.get(Nonconformity, nc.id)
        assert row.state == "closed" and row.effective and row.closed_at == now
        moves = session.execute(select(AuditEvent.action).where(AuditEvent.action.like("nonconformity.%")).order_by(AuditEvent.id)).scalars().all()
    assert moves == ["nonconformity.open", "nonconformity.analyse", "nonconformity.plan", "nonconformity.implement",
                     "nonconformity.verify_ineffective", "nonconformity.implement", "nonconformity.verify_effective"]


def test_internal_audit_sample_is_reproducible(services, commands, staff, clock):
    driver = Driver(commands, staff)
    for _ in range(4):
        driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT))
    _deviating(services, commands, staff)
    now = clock.now()
    with services.sessions() as session:
        with pytest.raises(InvalidCommand, match="Kỳ đánh giá"):
            internal_audit.plan(session, ISO, now, title="Q1", period_from=date(2026, 3, 31), period_to=date(2026, 1, 1))
        audit = internal_audit.plan(session, ISO, now, title="Đánh giá quý I/2026", period_from=date(2026, 1, 1),
                                    period_to=date(2026, 3, 31), per_procedure=3)
        internal_audit.sample(services, session, ISO, now, audit.id, seed=20260302)
        session.commit()
        codes = [s.code for s in session.execute(select(AuditSample).where(AuditSample.audit_id == audit.id)).scalars()]
        assert len(codes) == 3 and audit.seed == 20260302 and audit.state == "sampled"
        population = internal_audit.population(session, audit, services.calendar.tz)
        assert [c for _, c, _ in internal_audit.draw(population, 20260302, 3)] == sorted(codes)
        assert internal_audit.draw(population, 20260302, 3) == internal_audit.draw(population, 20260302, 3)
        with pytest.raises(InvalidCommand, match="đã chọn mẫu"):
            internal_audit.sample(services, session, ISO, now, audit.id)
        samples = session.execute(select(AuditSample).where(AuditSample.audit_id == audit.id)).scalars().all()
        for s in samples:
            assert {line["criterion"] for line in s.checklist} >= {"wrong_actor", "route_order", "result_late"}
            internal_audit.finding(session, ISO, now, s.id, "Hồ sơ đầy đủ, đúng quy trình", False)
        session.commit()
        assert audit.state == "done"

        other = internal_audit.plan(session, ISO, now, title="Lần 2", period_from=date(2026, 1, 1), period_to=date(2026, 3, 31), per_procedure=10)
        internal_audit.sample(services, session, ISO, now, other.id, seed=7)
        sample = session.execute(select(AuditSample).where(AuditSample.audit_id == other.id)).scalars().first()
        found = internal_audit.finding(session, ISO, now, sample.id, "Thiếu chữ ký lãnh đạo trên kết quả", True)
        session.commit()
        nc = session.get(Nonconformity, found.nonconformity_id)
        assert nc.source == "internal_audit" and nc.audit_id == other.id and nc.dossiers == [sample.code]


def test_kpi_with_targets(services, commands, staff, clock):
    driver = Driver(commands, staff)
    driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT))
    late = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT), until="register")
    clock.set(local(2026, 3, 20, 9, 0))
    driver.run(late)
    dispatch_pending(services)
    with services.sessions() as session:
        with pytest.raises(InvalidCommand, match="Chỉ tiêu không hợp lệ"):
            kpi.set_target(session, ISO, clock.now(), "speed", 1)
        kpi.set_target(session, ISO, clock.now(), "on_time_rate", 95)
        kpi.set_target(session, ISO, clock.now(), "avg_ratio", 0.8, procedure_code="1.001806")
        session.commit()
        measures = kpi.measure(session, services, date(2026, 3, 1), date(2026, 3, 31))
    by = {(m.scope, m.key): m for m in measures}
    proc = by[("procedure", "1.001806")]
    assert proc.month == "2026-03" and proc.count == 2
    assert proc.values["on_time_rate"] == 50.0 and proc.values["conformance_rate"] == 50.0
    assert proc.targets == {"on_time_rate": 95.0, "avg_ratio": 0.8}
    assert proc.missed("on_time_rate") and proc.gap("on_time_rate") == -45.0
    assert proc.values["p90_ratio"] > 1  # the late one took more than the time the law allows
    division = by[("division", "cb-so-y-te/btxh-tre-em")]
    assert division.count == 6 and division.targets["on_time_rate"] == 95.0
    assert kpi.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
