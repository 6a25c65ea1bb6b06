"""``motcua import dossiers``: an export of another one-stop system loaded in one transaction, or nothing.

Runs on SQLite (batched INSERT) and PostgreSQL (COPY), through ``engine.bulk`` and the command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from engine.audit import verify
from engine.bulk import import_dossiers
from engine.storage.models import AuditEvent, Dossier, Task
from tests.helpers import AGENCY, local, only_task

APPLICANT = {"name": "Trần Văn Bình", "id_number": "001099000111"}
FULL_ROUTE = [["intake", "done", "2025-12-01T09:00:00+07:00"], ["assign", None, "2025-12-01T14:00:00+07:00"],
              ["appraise", "propose_approval", "2025-12-05T10:00:00+07:00"], ["review", "agree", "2025-12-06T10:00:00+07:00"],
              ["approve", "sign", "2025-12-09T10:00:00+07:00"], ["register", None, "2025-12-09T15:00:00+07:00"]]


def _row(code: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "code": code, "procedure": "1.001806", "applicant": APPLICANT, "channel": "direct",
        "received": "2025-12-01T08:30:00+07:00", "due": "2025-12-15T17:00:00+07:00", "status": "returned",
        "resolved": "2025-12-10T10:00:00+07:00", "returned": "2025-12-11T09:00:00+07:00",
    }
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def _jsonl(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _count(services, model) -> int:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_closed_and_open_dossiers_load_with_history_route_and_audit(services, commands, staff, tmp_path):
    rows = [
        _row("CU-0001", steps=FULL_ROUTE + [["return", None, "2025-12-11T09:00:00+07:00"]]),
        _row("CU-0002", resolved="2025-12-20T10:00:00+07:00", returned="2025-12-21T10:00:00+07:00"),  # after the due day: late
        _row("CU-0003", status="processing", resolved=None, returned=None, received="2026-02-23T08:00:00+07:00",
             due="2026-03-09T17:00:00+07:00", steps=[["intake", "done", "2026-02-23T09:00:00+07:00"],
                                                     ["assign", "done", "2026-02-24T09:00:00+07:00"]]),
        _row("CU-0004", status="received", resolved=None, returned=None, due=None, received="2026-02-27T10:00:00+07:00"),
        _row("CU-0005", status="not_received", resolved=None, returned=None, due=None),
        _row("CU-0006", received="2024-01-02T08:00:00+07:00", resolved="2024-01-05T08:00:00+07:00",
             returned="2024-01-05T09:00:00+07:00", due="2024-01-16T17:00:00+07:00"),  # before the catalogue's first version
    ]
    report = import_dossiers(services, _jsonl(tmp_path, rows))
    assert report.ok, report.problems
    assert (report.loaded, report.closed, report.running) == (6, 4, 2)
    with services.sessions() as session:
        got = {d.code: d for d in session.execute(select(Dossier)).scalars()}
        history = session.execute(select(Task).where(Task.dossier_id == got["CU-0001"].id).order_by(Task.id)).scalars().all()
        events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        routes = dict(session.execute(select(Dossier.code, Dossier.route_state)).all())
        assert list(verify(session)) == []
    assert got["CU-0001"].timeliness == "early" and got["CU-0001"].result == "approved"
    assert got["CU-0002"].timeliness == "late"
    assert got["CU-0005"].received_at is None and got["CU-0005"].timeliness is None
    assert [t.step_id for t in history] == ["intake", "assign", "appraise", "review", "approve", "register", "return"]
    assert {t.state for t in history} == {"completed"} and history[2].outcome == "propose_approval"
    assert routes["CU-0001"] is None and routes["CU-0003"] == {"log": [["intake", "done"], ["assign", "done"]]}
    # One migration event per dossier, saying where it came from.
    assert [e.action for e in events] == ["dossier.migrated"] * 6
    assert events[0].after["source"] == "export.jsonl#CU-0001" and events[0].after["line"] == 1
    assert "chưa có hiệu lực ngày tiếp nhận" in events[5].after["source"]

    # The open dossier waits at its current step with the export's due time, and the engine goes on from there.
    running = got["CU-0003"]
    assert running.status == "processing" and running.due_at == local(2026, 3, 9, 17, 0)
    task = only_task(services, running.id, "appraise")
    dossier = commands.complete(staff["specialist"], task.id, "propose_approval", ["conditions_checked"])
    assert only_task(services, dossier.id).step_id == "review"
    fresh = only_task(services, got["CU-0004"].id, "intake")
    assert fresh.agency_id == AGENCY
    with services.sessions() as session:
        assert list(verify(session)) == []


def test_bad_rows_are_reported_with_line_and_reason_and_nothing_is_loaded(services, tmp_path):
    rows = [
        _row("OK-1"),
        _row("OK-1"),  # line 2: repeats line 1
        _row("BAD-3", procedure="9.999999"),
        _row("BAD-4", status="awaiting_supplement"),
        _row("BAD-5", received="hôm qua"),
        _row("BAD-6", status="processing", resolved=None, returned=None, steps=[["approve", "sign"]]),
        _row("BAD-7", applicant={"phone": "0900000000"}),
        _row("BAD-8", returned=None),
        _row("OK-9", status="received", resolved=None, returned=None, received="2026-03-01T08:00:00+07:00", due=None),
    ]
    report = import_dossiers(services, _jsonl(tmp_path, rows), batch=2)
    reasons = {p.line: p.reason for p in report.problems}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    assert "trùng với dòng 1" in reasons[2]
    assert "9.999999" in reasons[3]
    assert "awaiting_supplement" in reasons[4]
    assert "hôm qua" in reasons[5]
    assert "'approve' chưa đến lượt" in reasons[6]
    assert "tên người nộp" in reasons[7]
    assert "'returned'" in reasons[8]
    assert report.loaded == 0
    assert _count(services, Dossier) == _count(services, Task) == _count(services, AuditEvent) == 0


def test_a_code_already_in_the_database_is_refused(services, commands, staff, tmp_path):
    from tests.helpers import APPLICANT as PERSON

    existing = commands.receive(staff["one_stop"], "1.001806", PERSON)
    before = _count(services, Dossier)
    report = import_dossiers(services, _jsonl(tmp_path, [_row("NEW-1"), _row(existing.code)]))
    assert [(p.line, p.reason) for p in report.problems] == [(2, "mã hồ sơ đã có trong cơ sở dữ liệu")]
    assert _count(services, Dossier) == before


def test_the_command_line_reads_csv_and_exits_1_on_a_bad_row(database, services, tmp_path):
    header = "code,procedure,applicant,channel,received,due,status,resolved,returned,steps\n"
    good = 'CSV-1,1.001806,Lê Thị Cúc,online,01/12/2025 08:30,15/12/2025 17:00,returned,10/12/2025 10:00,11/12/2025 09:00,"[""intake"",""assign""]"\n'
    bad = "CSV-2,1.001806,Lê Thị Cúc,fax,01/12/2025 08:30,,returned,,11/12/2025 09:00,\n"
    env = os.environ | {"DATABASE_URL": database.url.render_as_string(hide_password=False), "MOTCUA_ALLOW_UNCONFIRMED": "1"}
    motcua = str(Path(sys.executable).parent / "motcua")

    def run(text: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "export.csv"
        path.write_text(text, encoding="utf-8")
        return subprocess.run([motcua, "import", "dossiers", "-q", str(path)], capture_output=True, text=True, env=env, timeout=120)

    failed = run(header + good + bad)
    assert failed.returncode == 1
    assert "dòng 3 (CSV-2): hình thức nộp không hợp lệ 'fax'" in failed.stderr
    assert _count(services, Dossier) == 0
    done = run(header + good)
    assert done.returncode == 0, done.stderr
    assert "1 hồ sơ đã nhập: 1 đã đóng" in done.stdout
    with services.sessions() as session:
        dossier = session.execute(select(Dossier)).scalar_one()
        assert dossier.channel == "online" and dossier.applicant == {"name": "Lê Thị Cúc"}
        assert dossier.received_at == local(2025, 12, 1, 8, 30)
