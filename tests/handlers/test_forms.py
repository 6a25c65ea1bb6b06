"""The statutory-form handlers: each issues its numbered form, from the configured workflows folder."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest
import yaml
from sqlalchemy import select

import handlers.forms as forms_module
from engine import enqueue
from engine.outbox import INLINE
from engine.storage.models import IssuedForm, OutboxMessage
from tests.conftest import ROOT, WORKFLOWS

APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "004123456789", "phone": "0912345678"}

# handler, payload beyond the dossier id, the form it issues, its number under Decree 118/2025, its serial's mark
CASES = [
    ("receipt", {}, "receipt", "Mẫu 01", "PTN"),
    ("supplement_request", {"items": ["Bản sao giấy phép"], "reason": "Thiếu giấy tờ"}, "supplement_request", "Mẫu 02", "PBS"),
    ("refusal_notice", {"reasons": ["Không thuộc thẩm quyền"], "stage": "intake"}, "refusal", "Mẫu 03", "PTC"),
    ("apology", {"reason": "Cần xác minh thêm", "new_due_at": "2026-03-20T17:00:00+07:00"}, "apology", "Mẫu 04 (chưa xác nhận)", "PXL"),
    ("stop_notice", {"reason": "Người nộp rút hồ sơ"}, "stop_notice", "Mẫu 05 (chưa xác nhận)", "TBD"),
]


def issued(services, dossier_id):  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        rows = session.execute(select(IssuedForm).where(IssuedForm.dossier_id == dossier_id).order_by(IssuedForm.id)).scalars().all()
        session.expunge_all()
        return rows


def test_form_handlers_are_inline():
    assert {case[0] for case in CASES} <= INLINE


@pytest.mark.parametrize("name, payload, form, number, mark", CASES, ids=[c[0] for c in CASES])
def test_each_form_handler_issues_its_numbered_form(services, commands, staff, name, payload, form, number, mark):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    if name != "receipt":
        with services.unit_of_work() as session:
            enqueue(session, services, dossier.id, name, {"dossier_id": dossier.id} | payload, services.now())
    row = issued(services, dossier.id)[-1]
    assert (row.form, row.form_number, row.regime) == (form, number, "nd118-2025")
    assert row.number == f"1/2026/{mark}"
    assert row.content["dossier_code"] == dossier.code and row.content["regime"]["circular"] == "Thông tư 03/2025/TT-VPCP"
    for key, value in payload.items():
        assert row.content[key] == value
    with services.sessions() as session:
        assert session.get(OutboxMessage, row.outbox_id).state == "done"


def test_forms_are_numbered_one_after_another_per_agency_and_year(services, commands, staff):
    numbers = [issued(services, commands.receive(staff["one_stop"], "1.001806", APPLICANT).id)[0].number for _ in range(3)]
    assert numbers == ["1/2026/PTN", "2/2026/PTN", "3/2026/PTN"]


def test_forms_read_the_configured_workflows_folder(services, commands, staff, tmp_path):
    data = yaml.safe_load((WORKFLOWS / "forms.yaml").read_text(encoding="utf-8"))
    data["regimes"][-1]["forms"]["receipt"]["number"] = "Mẫu 01-TN"
    (tmp_path / "forms.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    services.settings.workflows_dir = tmp_path
    try:
        dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    finally:
        services.settings.workflows_dir = None
    assert issued(services, dossier.id)[0].form_number == "Mẫu 01-TN"
    assert forms_module.forms_file(services) == forms_module.DEFAULT_WORKFLOWS / "forms.yaml"
    other = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    assert issued(services, other.id)[0].form_number == "Mẫu 01"  # read once per folder, not once for all


def test_build_services_passes_the_workflows_folder_to_the_handlers(tmp_path):
    from api.wiring import build_services

    url = f"sqlite:///{tmp_path / 'w.db'}"
    assert build_services(url, workflows=WORKFLOWS).settings.workflows_dir == WORKFLOWS
    # MOTCUA_WORKFLOWS, read when the app starts (another process: api.paths reads it on import)
    folder = tmp_path / "wf"
    folder.mkdir()
    (folder / "calendar.yaml").write_text((WORKFLOWS / "calendar.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    script = ("from api.wiring import build_services; import sys; s = build_services(sys.argv[1]).settings; "
              "print(s.workflows_dir); print(s.outbox_max_attempts)")
    env = os.environ | {"MOTCUA_WORKFLOWS": str(folder), "MOTCUA_OUTBOX_MAX_ATTEMPTS": "3"}
    out = subprocess.run([sys.executable, "-c", script, url], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(folder), "3"]


def test_handlers_use_only_the_engines_public_names():
    """handlers/ import ``engine`` itself, never its modules (DESIGN: 'through its public names')."""
    for path in (ROOT / "handlers").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert not node.module.startswith("engine."), f"{path.name}: from {node.module} import …"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("engine.") for a in node.names), path.name


def test_forms_carry_the_issuing_agencys_own_province(services, commands, staff):
    """The place before the date is the province of the agency that issues the form: a Nghệ An desk's receipt
    says Nghệ An, a Cao Bằng desk's says Cao Bằng (it used to say Cao Bằng on every form)."""
    from engine import Actor

    nghe_an = commands.receive(Actor("motcua_na", "one_stop", "na-so-noi-vu"), "2.001955", APPLICANT, "direct", [])
    (receipt,) = issued(services, nghe_an.id)
    assert receipt.content["place"] == "Nghệ An"
    cao_bang = commands.receive(staff["one_stop"], "1.001806", APPLICANT, "direct", [])
    assert issued(services, cao_bang.id)[0].content["place"] == "Cao Bằng"
