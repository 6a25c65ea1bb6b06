"""Divisions (phòng chuyên môn): a step of a division is seen and taken only by that division's staff.

On SQLite and PostgreSQL through the commands and the inbox query; plus how definitions and
workflows/agencies.yaml report an unknown or malformed division, with its line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Actor, Forbidden, NotFound
from engine import queries as q
from engine.definitions import load_catalog
from engine.definitions.catalog import load_agencies
from engine.simulate import Driver
from engine.storage.models import AuditEvent, Dossier, Task
from tests.data import OTHER_FIELDS
from tests.helpers import (
    AGENCY,
    APPLICANT,
    BACKENDS,
    DIVISION,
    PG_URL,
    WORKFLOWS,
    open_task,
    run_cli,
)

BTXH = "Phòng Bảo trợ xã hội và Trẻ em"
NOI_VU = "cb-so-noi-vu"


def snapshot(services, dossier_id):  # type: ignore[no-untyped-def]
    """What a refused command must leave as it was: the dossier's version, its tasks, its audit chain."""
    with services.sessions() as session:
        version = session.execute(select(Dossier.version).where(Dossier.id == dossier_id)).scalar_one()
        tasks = session.execute(
            select(Task.id, Task.state, Task.claimed_by, Task.outcome).where(Task.dossier_id == dossier_id).order_by(Task.id)
        ).all()
        events = session.execute(select(func.count()).where(AuditEvent.dossier_id == dossier_id)).scalar_one()
    return version, [tuple(t) for t in tasks], events


def inbox_steps(services, actor):  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return {(item["code"], item["step_id"]) for item in q.inbox(session, actor, per_page=100).items}


def to_assign(commands, services, desk, code):  # type: ignore[no-untyped-def]
    dossier = commands.receive(desk, code, APPLICANT)
    Driver(commands, {desk.role: desk}, claim=False).run(dossier, steps=1)  # the intake
    return dossier


# ---------------------------------------------------------------------- commands


def test_task_carries_its_steps_division(commands, services, staff):
    dossier = to_assign(commands, services, staff["one_stop"], "1.001806")
    with services.sessions() as session:
        divisions = dict(session.execute(select(Task.step_id, Task.division).where(Task.dossier_id == dossier.id)).all())
    assert divisions == {"intake": None, "assign": DIVISION}


@pytest.mark.parametrize("division", [None, "van-phong"])  # no division; a division Sở Y tế does not have
def test_other_division_is_forbidden_and_nothing_changes(commands, services, staff, division):
    dossier = to_assign(commands, services, staff["one_stop"], "1.001806")
    task = open_task(services, dossier.id, "assign")
    stranger = Actor("truongphong_khac", "division_head", AGENCY, name="Lãnh đạo phòng khác", unit=division)
    before = snapshot(services, dossier.id)
    with pytest.raises(Forbidden) as claim:
        commands.claim(stranger, task.id)
    assert "Phân công thụ lý hồ sơ" in claim.value.message and BTXH in claim.value.message
    assert claim.value.details == {"division": DIVISION}
    with pytest.raises(Forbidden, match=BTXH):
        commands.complete(stranger, task.id, None, [])
    assert snapshot(services, dossier.id) == before
    # The division's own head takes it; an administrator only under a recorded "act as" (separation of duties).
    commands.claim(staff["division_head"], task.id)
    commands.complete(staff["division_head"], task.id)
    appraise = open_task(services, dossier.id, "appraise")
    assert appraise.division == DIVISION
    with pytest.raises(Forbidden, match="làm thay"):
        commands.claim(staff["admin"], appraise.id)
    commands.act_as(staff["admin"], dossier.code, "Chuyên viên nghỉ ốm, hồ sơ sắp quá hạn")
    commands.claim(staff["admin"], appraise.id)


def test_division_of_another_agency_is_not_found_by_agency_first(commands, services, staff):
    """Another agency's head sees nothing of the task: 'not found', in the words of a missing one (issue 12)."""
    dossier = to_assign(commands, services, staff["one_stop"], "1.001806")
    task = open_task(services, dossier.id, "assign")
    with pytest.raises(NotFound, match=f"^Không có việc #{task.id}.$"):
        commands.claim(Actor("tp_noivu", "division_head", NOI_VU, unit=DIVISION), task.id)


def test_divisions_of_one_agency_keep_to_their_steps(commands, services):
    desk = Actor("motcua_noivu", "one_stop", NOI_VU)
    office_head = Actor("tp_vanphong", "division_head", NOI_VU, unit="van-phong")
    other_head = Actor("tp_xdcq", "division_head", NOI_VU, unit="xay-dung-chinh-quyen-cchc")
    dossier = to_assign(commands, services, desk, "1.013937")  # Văn phòng Sở: assign, appraise, draft_decision
    task = open_task(services, dossier.id, "assign")
    with pytest.raises(Forbidden, match="Văn phòng Sở"):
        commands.claim(other_head, task.id)
    commands.complete(office_head, task.id)
    appraise = open_task(services, dossier.id, "appraise")
    with pytest.raises(Forbidden, match="Văn phòng Sở"):
        commands.claim(Actor("cv_tcbm", "specialist", NOI_VU, unit="to-chuc-bo-may-cong-chuc-vien-chuc"), appraise.id)
    commands.claim(Actor("cv_vanphong", "specialist", NOI_VU, unit="van-phong"), appraise.id)


def test_dossier_actions_belong_to_the_division_handling_it(commands, services):
    """Refusing or asking a supplement acts on the dossier as a whole: only the division whose step is
    open may, not a specialist of another division of the same agency; nothing changes when refused."""
    desk = Actor("motcua_noivu", "one_stop", NOI_VU)
    office = Actor("cv_vanphong", "specialist", NOI_VU, unit="van-phong")
    stranger = Actor("cv_tcbm", "specialist", NOI_VU, unit="to-chuc-bo-may-cong-chuc-vien-chuc")
    dossier = to_assign(commands, services, desk, "1.013937")  # Văn phòng Sở: assign, appraise, ...
    commands.complete(Actor("tp_vanphong", "division_head", NOI_VU, unit="van-phong"), open_task(services, dossier.id, "assign").id)
    before = snapshot(services, dossier.id)
    with pytest.raises(Forbidden, match="không ở bước xử lý của phòng bạn"):
        commands.request_supplement(stranger, dossier.code, ["Bản sao giấy tờ"])
    with pytest.raises(Forbidden, match="lãnh đạo cơ quan"):  # a specialist never refuses directly (issue 8)
        commands.refuse(stranger, dossier.code, ["Không đủ điều kiện"])
    assert snapshot(services, dossier.id) == before
    assert commands.request_supplement(office, dossier.code, ["Bản sao giấy tờ"]).status == "awaiting_supplement"
    director = Actor("gd_noivu", "director", NOI_VU)  # in no division: acts on any dossier of the agency
    assert commands.refuse(director, dossier.code, ["Không đủ điều kiện"]).status == "resolved"


def test_step_without_division_is_anyones_of_the_role(commands, services):
    """1.003999: the specialist step's unit names no division, so any specialist of Sở Nội vụ takes it."""
    desk = Actor("motcua_noivu", "one_stop", NOI_VU)
    dossier = to_assign(commands, services, desk, "1.003999")
    commands.complete(Actor("tp_xdcq", "division_head", NOI_VU, unit="xay-dung-chinh-quyen-cchc"),
                      open_task(services, dossier.id, "assign").id)
    appraise = open_task(services, dossier.id, "appraise")
    assert appraise.division is None
    commands.claim(Actor("cv_vanphong", "specialist", NOI_VU, unit="van-phong"), appraise.id)


def test_transferred_task_keeps_no_division_of_the_old_agency(commands, services, staff):
    dossier = to_assign(commands, services, staff["one_stop"], "1.001806")
    commands.transfer_competence(staff["analyst"], dossier.code, NOI_VU, "Quyết định chuyển giao (thử nghiệm)")
    task = open_task(services, dossier.id, "assign")
    successor = Actor("tp_noivu", "division_head", NOI_VU, unit="van-phong")
    assert (dossier.code, "assign") in inbox_steps(services, successor)  # btxh-tre-em is no division of Sở Nội vụ
    commands.complete(successor, task.id)
    assert open_task(services, dossier.id, "appraise").division is None  # a new step there has none


# ---------------------------------------------------------------------- inbox


def test_inbox_shows_a_division_its_own_steps_and_undivided_ones(commands, services, staff):
    desk = Actor("motcua_noivu", "one_stop", NOI_VU)
    office = to_assign(commands, services, desk, "1.013937")  # assign: Văn phòng Sở
    youth = to_assign(commands, services, desk, "1.003999")  # assign: Phòng XDCQ và CCHC
    health = to_assign(commands, services, staff["one_stop"], "1.001806")  # assign: Phòng BTXH và Trẻ em, Sở Y tế
    office_head = Actor("tp_vanphong", "division_head", NOI_VU, unit="van-phong")
    youth_head = Actor("tp_xdcq", "division_head", NOI_VU, unit="xay-dung-chinh-quyen-cchc")
    no_division = Actor("tp_khong_phong", "division_head", NOI_VU)
    assert inbox_steps(services, office_head) == {(office.code, "assign")}
    assert inbox_steps(services, youth_head) == {(youth.code, "assign")}
    assert inbox_steps(services, no_division) == set()
    assert inbox_steps(services, staff["division_head"]) == {(health.code, "assign")}
    everything = inbox_steps(services, staff["admin"])
    assert {(office.code, "assign"), (youth.code, "assign"), (health.code, "assign")} <= everything
    with services.sessions() as session:
        item = q.inbox(session, office_head).items[0]
        assert (item["division"], item["division_name"]) == ("van-phong", "Văn phòng Sở")
        assert q.inbox_procedures(session, office_head) == [("1.013937", "Thủ tục công nhận tài liệu lưu trữ có giá trị đặc biệt")]
        assert q.inbox_procedures(session, no_division) == []
        detail = q.dossier_detail(session, office_head, office.code, timeline=False)
    assert [(t["step_id"], t["division_name"]) for t in detail["tasks"]] == [("intake", None), ("assign", "Văn phòng Sở")]

    # Steps of no division are everyone's of the role: the specialist step of 1.003999 ...
    commands.complete(youth_head, open_task(services, youth.id, "assign").id)
    for specialist in (Actor("cv_vanphong", "specialist", NOI_VU, unit="van-phong"), Actor("cv", "specialist", NOI_VU)):
        assert (youth.code, "appraise") in inbox_steps(services, specialist)
    # ... and a director, in no division, sees the director steps.
    appraise = open_task(services, youth.id, "appraise")
    commands.complete(Actor("cv", "specialist", NOI_VU), appraise.id, "propose_approval", ["dossier_appraised"])
    assert inbox_steps(services, Actor("gd_noivu", "director", NOI_VU)) == {(youth.code, "approve")}


def test_services_name_divisions(services):
    assert services.division_name(AGENCY, DIVISION) == BTXH
    assert services.division_name("cb-vp-ubnd-tinh", "khoa-giao-van-xa") == "Phòng Khoa giáo - Văn xã"
    assert services.division_name(NOI_VU, DIVISION) is None


# ---------------------------------------------------------------------- definitions

DEFINITION = """\
code: "1.001806"
name: Quyết định công nhận cơ sở sản xuất, kinh doanh sử dụng từ 30% tổng số lao động trở lên là người khuyết tật
field: bao-tro-xa-hoi
level: province
agency: cb-so-y-te
deadline: {working_days: 10}
route:
  - {id: intake, kind: intake, role: one_stop, allowance: {working_days: 0.5}, forms: [receipt]}
  - id: appraise
    role: specialist
    division: btxh-tre-em
    allowance: {working_days: 8}
  - id: office_review
    role: specialist
    agency: cb-vp-ubnd-tinh
    division: khoa-giao-van-xa
    allowance: {working_days: 1}
  - {id: return, kind: return, role: one_stop, allowance: not_counted}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copy(WORKFLOWS / "agencies.yaml", tmp_path / "agencies.yaml")
    (tmp_path / "procedures" / "bao-tro-xa-hoi").mkdir(parents=True)
    return tmp_path


def errors(tree: Path, text: str) -> list[str]:
    (tree / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml").write_text(text, encoding="utf-8")
    return [f"{p.line}:{p.column}: {p.message}" for p in load_catalog(tree).errors]


def test_known_divisions_validate(tree):
    assert errors(tree, DEFINITION) == []
    procedure = load_catalog(tree).procedures["1.001806"]
    assert [s.division for s in procedure.steps] == [None, DIVISION, "khoa-giao-van-xa", None]


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("division: btxh-tre-em", "division: phong-khong-co", 11, "phòng không xác định 'phong-khong-co' của cơ quan 'cb-so-y-te' (có: btxh-tre-em"),
        # A division of the procedure's agency is not one of the step's own agency.
        ("division: khoa-giao-van-xa", "division: btxh-tre-em", 16, "phòng không xác định 'btxh-tre-em' của cơ quan 'cb-vp-ubnd-tinh'"),
        ("division: btxh-tre-em", "division: Phòng BTXH", 11, "không đúng định dạng"),
    ],
)
def test_unknown_division_names_its_line(tree, old, new, line, fragment):
    found = errors(tree, DEFINITION.replace(old, new, 1))
    assert any(p.startswith(f"{line}:15: ") and fragment in p for p in found), found


def test_agency_without_divisions(tree):
    text = DEFINITION.replace("    agency: cb-vp-ubnd-tinh\n", "    agency: cb-trung-tam-luu-tru\n")
    found = errors(tree, text)
    assert any(p.startswith("16:15: ") and "cơ quan này chưa khai báo phòng nào" in p for p in found), found


def test_cli_validate_reports_unknown_division(tree):
    bad = tree / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml"
    bad.write_text(DEFINITION.replace("division: btxh-tre-em", "division: phong-khong-co"), encoding="utf-8")
    result = run_cli("validate", str(bad))
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if "phong-khong-co" in x)
    assert line.startswith(f"{bad}:11:15: ")


def test_agencies_yaml_divisions_are_checked(tmp_path):
    (tmp_path / "agencies.yaml").write_text(
        "agencies:\n"
        "  - {id: cb-so-y-te, name: Sở Y tế, level: province, eid: CB.SYT,\n"
        "     divisions: [{id: btxh-tre-em, name: Phòng BTXH}, {id: btxh-tre-em, name: Trùng}]}\n"
        "  - id: cb-so-noi-vu\n"
        "    name: Sở Nội vụ\n"
        "    level: province\n"
        "    eid: CB.SNV\n"
        "    divisions:\n"
        "      - {id: Văn phòng, name: Văn phòng Sở}\n"
        "      - {id: van-phong}\n",
        encoding="utf-8",
    )
    agencies, problems = load_agencies(tmp_path)
    found = [f"{p.line}: {p.message}" for p in problems]
    assert any(p.startswith("3: ") and "'btxh-tre-em' bị trùng" in p for p in found), found
    assert any(p.startswith("9: ") and "id phòng 'Văn phòng'" in p for p in found), found
    assert any(p.startswith("10: ") and "cần 'id' và 'name'" in p for p in found), found
    assert [d.id for d in agencies["cb-so-y-te"].divisions] == ["btxh-tre-em"]
    assert agencies["cb-so-noi-vu"].divisions == ()


def test_shipped_agencies_declare_the_divisions_steps_use():
    # The approved processes transcribed: the catalogue's and those of other fields kept for the tests (Sở Nội vụ's).
    catalog = load_catalog(WORKFLOWS, [WORKFLOWS / "procedures", OTHER_FIELDS])
    assert catalog.errors == []
    used = {
        (s.agency or p.agency, s.division)
        for p in catalog.procedures.values() for s in p.steps if s.division is not None
    }
    from engine.units import unit_agencies

    units = {a.id: a for a in unit_agencies(WORKFLOWS, catalog.agencies)}  # communes: their level's divisions
    declared = {(a.id, d.id) for a in catalog.agencies.values() if a.id not in units for d in a.divisions}
    assert used == declared  # every declared division is one an approved process names
    assert all(a.divisions == catalog.agencies[f"{a.id.split('-')[0]}-ubnd-xa"].divisions  # cb-…, na-…
               for a in units.values() if a.level == "commune")
    assert catalog.agencies[AGENCY].division(DIVISION).name == BTXH
    assert {s.division for s in catalog.procedures["1.001806"].steps} == {None, DIVISION}


# ---------------------------------------------------------------------- migration


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0005_round_trip(backend, tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    from engine.storage.db import alembic_config, make_engine, migrate, scratch_database

    with scratch_database(backend, PG_URL, tmp_path, "motcua_mig") as url:
        engine = make_engine(url)
        try:
            migrate(engine, "0004")
            assert "division" not in {c["name"] for c in inspect(engine).get_columns("tasks")}
            migrate(engine, "0005")  # (0014 replaces this index by a partial one over active steps)
            schema = inspect(engine)
            assert "division" in {c["name"] for c in schema.get_columns("tasks")}
            assert {c["name"] for c in schema.get_columns("divisions")} == {"agency_id", "id", "name"}
            inbox = next(i for i in schema.get_indexes("tasks") if i["name"] == "ix_tasks_inbox")
            assert inbox["column_names"] == ["agency_id", "role", "state", "due_at", "division"]
            command.downgrade(alembic_config(engine), "0004")
            schema = inspect(engine)
            assert "division" not in {c["name"] for c in schema.get_columns("tasks")}
            assert "divisions" not in schema.get_table_names()
            migrate(engine)
        finally:
            engine.dispose()


def test_transfer_of_competence_drops_the_old_agencys_divisions():
    from engine.decisions import transferred_definition
    from engine.definitions.model import raw_steps

    catalog = load_catalog(WORKFLOWS)
    data = transferred_definition(catalog.procedures["1.012993"].raw, AGENCY, NOI_VU)
    divisions = {s["id"]: s.get("division") for s in raw_steps(data)}
    assert divisions["appraise"] is None and divisions["assign"] is None
    assert divisions["office_review"] == "khoa-giao-van-xa"  # Văn phòng UBND tỉnh's step does not move
    assert catalog.procedures["1.012993"].raw["route"][2]["division"] == DIVISION  # the original is untouched


def test_diff_names_a_changed_division():
    from engine.definitions.diff import diff_definitions

    a = load_catalog(WORKFLOWS).procedures["1.001806"].raw
    b = {**a, "route": [{k: v for k, v in s.items() if not (s["id"] == "appraise" and k == "division")} for s in a["route"]]}
    assert "Bước 'appraise': phòng btxh-tre-em → —" in diff_definitions(a, b)
