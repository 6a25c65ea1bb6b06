"""Retention: periods per kind of record with their source, what is due for archiving; nothing deleted."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from flask.cli import ScriptInfo

from api import create_app
from api.cli import cli
from engine.quality import retention
from engine.simulate import Driver
from tests.helpers import APPLICANT, audit_count, local


def test_due_for_archiving(services, commands, staff, clock, tmp_path):
    driver = Driver(commands, staff)
    old = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT))
    clock.set(local(2027, 6, 1, 9, 0))
    driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT))
    events = audit_count(services)
    tz = services.calendar.tz
    with services.sessions() as session:
        before = {d.period.kind: d for d in retention.due(session, date(2028, 3, 1), tz)}
        after = {d.period.kind: d for d in retention.due(session, date(2028, 3, 3), tz)}
    assert before["dossier"].count == 0
    assert after["dossier"].count == 1 and after["dossier"].items[0]["code"] == old.code
    assert after["dossier"].period.years == 2 and "d6cbe14c6f6cf724" in after["dossier"].period.source
    assert after["nonconformity"].period.years is None and after["nonconformity"].period.text == "đang cập nhật"
    assert audit_count(services) == events  # a report: nothing deleted, nothing written

    (tmp_path / "retention.yaml").write_text("nonconformity: {years: 5, source: 'Quy trình ISO của Sở'}\n", encoding="utf-8")
    assert retention.periods(tmp_path)["nonconformity"].years == 5

    app = create_app({"AUDIT_DIR": str(tmp_path / "audit")}, services=services)
    clock.set(local(2028, 3, 3, 9, 0))
    result = CliRunner().invoke(cli, ["quality", "retention"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0 and old.code in result.output and "1 đến hạn chuyển lưu trữ" in result.output


def test_quality_cli_check_and_sample(services, commands, staff, clock, tmp_path):
    driver = Driver(commands, staff)
    done = [driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT)) for _ in range(3)]
    app = create_app({"AUDIT_DIR": str(tmp_path / "audit")}, services=services)
    runner = CliRunner()

    def run(*args):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    assert "Đã kiểm tra 3 hồ sơ" in run("quality", "check").output
    assert "Đã kiểm tra 0 hồ sơ" in run("quality", "check").output
    assert f"{done[0].code}: phù hợp" in run("quality", "check", done[0].code).output
    assert "Không có hồ sơ mã NOPE" in run("quality", "check", "NOPE").output
    from engine.quality import internal_audit
    from tests.quality.test_records import ISO

    with services.sessions() as session:
        audit = internal_audit.plan(session, ISO, clock.now(), title="Q1", period_from=date(2026, 1, 1),
                                    period_to=date(2026, 3, 31), per_procedure=2)
        session.commit()
        audit_id = audit.id
    out = run("quality", "sample", str(audit_id), "--seed", "5").output
    assert "hạt giống 5, 2 hồ sơ mẫu" in out
    assert "đã chọn mẫu" in run("quality", "sample", str(audit_id)).output
