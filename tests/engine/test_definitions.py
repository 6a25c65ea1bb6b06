"""Procedure definitions: every kind of error points at its line; shipped definitions validate; BPMN runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lxml import etree

from engine import route
from engine.definitions import compile_route, compiled_spec, load_catalog, schema_json
from tests.data import OTHER_FIELDS, approved_processes
from tests.helpers import WORKFLOWS, run_cli

GOOD = """\
code: "1.001806"
name: Quyết định công nhận cơ sở sản xuất, kinh doanh sử dụng từ 30% tổng số lao động trở lên là người khuyết tật
field: bao-tro-xa-hoi
level: province
agency: cb-so-y-te
deadline: {working_days: 10}
route:
  - id: intake
    kind: intake
    role: one_stop
    allowance: {working_days: 0.5}
    forms: [receipt]
  - id: appraise
    role: specialist
    allowance: {working_days: 8}
    outcomes: [propose_approval, request_supplement]
  - id: approve
    role: director
    allowance: {working_days: 1}
  - id: return
    kind: return
    role: one_stop
    allowance: not_counted
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A workflows/ directory with the real agencies and no procedures yet."""
    shutil.copy(WORKFLOWS / "agencies.yaml", tmp_path / "agencies.yaml")
    (tmp_path / "procedures" / "bao-tro-xa-hoi").mkdir(parents=True)
    (tmp_path / "bpmn").mkdir()
    return tmp_path


def problems_for(tree: Path, text: str, name: str = "1.001806.yaml") -> list[str]:
    path = tree / "procedures" / "bao-tro-xa-hoi" / name
    path.write_text(text, encoding="utf-8")
    catalog = load_catalog(tree)
    return [f"{p.line}:{p.column}: {p.message}" for p in catalog.problems if p.severity == "error"]


def test_good_definition_has_no_error(tree):
    assert problems_for(tree, GOOD) == []


@pytest.mark.parametrize(
    ("change", "line", "fragment"),
    [
        (("role: specialist", "role: thu_ky"), 14, "vai trò không xác định 'thu_ky'"),
        (("allowance: {working_days: 8}", "allowance: {working_days: 9}"), 6, "vượt thời hạn giải quyết 10 ngày làm việc"),
        (("forms: [receipt]", "forms: [receipt, mau_99]"), 12, "mau_99"),
        (("outcomes: [propose_approval, request_supplement]", "outcomes: {propose_approval: sign}"), 16, "dẫn tới bước không tồn tại 'sign'"),
        (("agency: cb-so-y-te", "agency: so-khong-co"), 5, "cơ quan không xác định 'so-khong-co'"),
        (("deadline: {working_days: 10}", "deadline: {working_days: -1}"), 6, "phải lớn hơn 0"),
        (("deadline: {working_days: 10}", "deadline: {weeks: 2}"), 6, "working_days, working_hours, hours hoặc calendar_days"),
        (("level: province\n", "level: province\nlevle: x\n"), 5, "trường không được hỗ trợ: levle"),
        (('code: "1.001806"\n', ""), 1, "thiếu trường bắt buộc 'code'"),
        (("    kind: intake\n", "    kind: intake\n    kind: task\n"), 10, "khóa 'kind' bị lặp lại"),
        (("route:\n", "route: [\n"), 8, "YAML không hợp lệ"),
    ],
)
def test_each_error_names_its_line(tree, change, line, fragment):
    old, new = change
    assert old in GOOD
    found = problems_for(tree, GOOD.replace(old, new, 1))
    assert any(p.startswith(f"{line}:") and fragment in p for p in found), found


def test_unreachable_and_endless_steps(tree):
    text = GOOD.replace(
        "    outcomes: [propose_approval, request_supplement]",
        "    outcomes: {propose_approval: return, request_supplement: appraise}",
    )
    found = problems_for(tree, text)
    assert any(p.startswith("17:") and "'approve' không bao giờ được tới" in p for p in found), found
    loop = GOOD.replace("  - id: approve\n    role: director\n", "  - id: approve\n    next: appraise\n    role: director\n")
    loop = loop.replace("    outcomes: [propose_approval, request_supplement]", "    outcomes: {propose_approval: approve}")
    found = problems_for(tree, loop)
    assert any("không bao giờ kết thúc" in p for p in found), found


def test_duplicate_step_and_duplicate_code(tree):
    found = problems_for(tree, GOOD.replace("  - id: approve", "  - id: appraise"))
    assert any(p.startswith("17:") and "bị trùng id" in p for p in found), found
    (tree / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml").write_text(GOOD, encoding="utf-8")
    (tree / "procedures" / "bao-tro-xa-hoi" / "copy.yaml").write_text(GOOD, encoding="utf-8")
    catalog = load_catalog(tree)
    assert any("trùng với" in p.message for p in catalog.errors)


def test_garbage_never_raises(tree):
    for text in ["", "- just\n- a list\n", "\x00\x01binary", "code: [unclosed", "{a: 1}: 2", "code: !!python/object:os.system x"]:
        found = problems_for(tree, text, "weird.yaml")
        assert found, text
    path = tree / "procedures" / "bao-tro-xa-hoi" / "latin1.yaml"
    path.write_bytes("name: Quy\xe9t".encode("latin-1"))
    assert any("UTF-8" in p.message for p in load_catalog(tree).errors)


BPMN_ROUTE = """\
code: "1.001806"
name: Thử nghiệm BPMN vẽ tay
field: bao-tro-xa-hoi
level: province
agency: cb-so-y-te
deadline: {working_days: 10}
route:
  bpmn: consult.bpmn
  steps:
    - {id: intake, kind: intake, role: one_stop, allowance: {working_days: 0.5}}
    - {id: consult_a, role: specialist, allowance: {working_days: 3}}
    - {id: consult_b, role: specialist, agency: cb-so-noi-vu, allowance: {working_days: 3}}
    - {id: approve, role: director, allowance: {working_days: 1}}
"""

CONSULT_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="consult" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="intake"/>
    <bpmn:userTask id="intake" name="Tiếp nhận"/>
    <bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="consult_a"/>
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="consult_b"/>
    <bpmn:userTask id="consult_a" name="Lấy ý kiến A"/>
    <bpmn:userTask id="consult_b" name="Lấy ý kiến B"/>
    <bpmn:sequenceFlow id="f5" sourceRef="consult_a" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="consult_b" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="approve"/>
    <bpmn:userTask id="approve" name="Phê duyệt"/>
    <bpmn:sequenceFlow id="f8" sourceRef="approve" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_hand_drawn_bpmn_runs_on_the_same_executor(tree):
    (tree / "bpmn" / "consult.bpmn").write_text(CONSULT_BPMN, encoding="utf-8")
    assert problems_for(tree, BPMN_ROUTE) == []
    catalog = load_catalog(tree)
    procedure = catalog.procedures["1.001806"]
    spec = compiled_spec(procedure.digest, catalog.bpmn_xml(procedure), procedure.bpmn_process)
    workflow = route.start(spec)
    assert route.ready_steps(workflow) == ["intake"]
    route.complete(workflow, "intake", "done")
    parallel = sorted(route.ready_steps(workflow))
    assert parallel == ["consult_a", "consult_b"]


@pytest.mark.parametrize(
    ("xml", "fragment", "line"),
    [
        (CONSULT_BPMN.replace("<bpmn:endEvent id=\"end\"/>", "<bpmn:endEvent id=\"end\">"), "không phải XML hợp lệ", 20),
        (CONSULT_BPMN.replace('targetRef="approve"', 'targetRef="nowhere"'), "sequenceFlow 'f7' (dòng 16): luồng dẫn tới phần tử không có trong process: 'nowhere'", 16),
    ],
)
def test_broken_bpmn_reported(tree, xml, fragment, line):
    (tree / "bpmn" / "consult.bpmn").write_text(xml, encoding="utf-8")
    (tree / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml").write_text(BPMN_ROUTE, encoding="utf-8")
    errors = [p for p in load_catalog(tree).errors if p.file.endswith("consult.bpmn")]
    assert errors and fragment in errors[0].message, errors
    if line:
        assert errors[0].line == line


def test_one_non_executable_process_runs_with_a_warning(tree):
    (tree / "bpmn" / "consult.bpmn").write_text(CONSULT_BPMN.replace('isExecutable="true"', 'isExecutable="false"'), encoding="utf-8")
    (tree / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml").write_text(BPMN_ROUTE, encoding="utf-8")
    catalog = load_catalog(tree)
    assert catalog.errors == []
    warnings = [p for p in catalog.problems if p.file.endswith("consult.bpmn")]
    assert [(w.severity, w.line) for w in warnings] == [("warning", 3)]
    assert "process 'consult'" in warnings[0].message and 'isExecutable="true"' in warnings[0].message


def test_bpmn_task_without_step_metadata(tree):
    (tree / "bpmn" / "consult.bpmn").write_text(CONSULT_BPMN, encoding="utf-8")
    text = BPMN_ROUTE.replace("    - {id: consult_b, role: specialist, agency: cb-so-noi-vu, allowance: {working_days: 3}}\n", "")
    found = problems_for(tree, text)
    assert any("consult_b" in p for p in [str(x) for x in load_catalog(tree).errors]), found


def test_shipped_definitions_validate():
    catalog = load_catalog(WORKFLOWS)
    assert catalog.errors == []
    for code in ("1.001806", "1.004946", "2.000286"):
        assert code in catalog.procedures
    assert len(catalog.procedures) >= 6
    # The transcriptions of other agencies' fields, kept for the engine's tests (tests/data/other_fields), validate too.
    others = load_catalog(WORKFLOWS, [OTHER_FIELDS])
    assert others.errors == [] and "1.014113" in others.procedures


def test_shipped_transcriptions_match_source():
    """The approved processes' allowances and totals, exactly as in the decisions' data."""
    catalog = load_catalog(WORKFLOWS, [WORKFLOWS / "procedures", OTHER_FIELDS])
    checked = 0
    for code, item in approved_processes().items():
        procedure = catalog.procedures.get(code)
        if procedure is None or item.get("tong_thoi_gian_bien_the"):
            continue
        steps = [s for s in item["steps"] if s.get("thoi_gian_ngay_lam_viec") is not None]
        if len(steps) != len(procedure.steps):
            continue
        ours = [
            float(s.allowance.working_hours() / 8) if s.allowance and s.allowance.is_working
            else float(s.allowance.amount / 8) if s.allowance and s.allowance.unit == "hours"  # the data's hours / 8
            else float(s.allowance.amount) if s.allowance else 0.0
            for s in procedure.steps
        ]
        theirs = [float(s["thoi_gian_ngay_lam_viec"]) for s in steps]
        assert ours == pytest.approx(theirs), procedure.code
        checked += 1
    assert checked >= 6


def test_json_schema_file_is_current():
    path = WORKFLOWS / "schema" / "procedure.schema.json"
    assert path.read_text(encoding="utf-8") == schema_json(), "run `motcua schema`"


def test_compiled_bpmn_has_diagram_and_parses():
    catalog = load_catalog(WORKFLOWS)
    procedure = catalog.procedures["1.001806"]
    xml = compile_route(procedure.code, procedure.name, procedure.steps)
    tree = etree.fromstring(xml.encode())
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
    tasks = tree.findall(".//bpmn:userTask", ns)
    assert [t.get("id") for t in tasks] == [s.id for s in procedure.steps]
    shapes = {s.get("bpmnElement") for s in tree.findall(".//bpmndi:BPMNShape", ns)}
    edges = {e.get("bpmnElement") for e in tree.findall(".//bpmndi:BPMNEdge", ns)}
    assert {t.get("id") for t in tasks} <= shapes
    assert {f.get("id") for f in tree.findall(".//bpmn:sequenceFlow", ns)} == edges
    assert tree.find(".//bpmn:exclusiveGateway[@id='gw_review']", ns) is not None  # agree / send back


def test_cli_validate_exit_codes(tree):
    ok = run_cli("validate", "-q")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = tree / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml"
    bad.write_text(GOOD.replace("role: director", "role: giam_doc"), encoding="utf-8")
    result = run_cli("validate", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if "giam_doc" in x)
    assert line.startswith(f"{bad}:18:11: ")
    missing = run_cli("validate", str(tree / "nope.yaml"))
    assert missing.returncode == 1 and "không tìm thấy" in missing.stdout


def test_cli_export_bpmn(tmp_path):
    out = tmp_path / "route.bpmn"
    result = run_cli("export-bpmn", "2.000286", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert etree.fromstring(out.read_bytes()).find(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram") is not None
    assert run_cli("export-bpmn", "0.000000").returncode != 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("2026-02-12T15:30+07:00", "10", "working_days"), "2026-03-05T15:30:00+07:00"),  # around Tết 2026
        (("2025-04-25T09:00+07:00", "1", "working_days"), "2025-04-26T09:00:00+07:00"),  # make-up Saturday 26/4/2025
        (("2026-08-21T09:00+07:00", "1", "working_days"), "2026-08-22T09:00:00+07:00"),  # make-up Saturday 22/8/2026
        (("2026-04-24T09:00+07:00", "1", "working_days"), "2026-04-28T09:00:00+07:00"),  # Hùng Kings observed Mon 27/4
        (("2026-11-23T09:00+07:00", "1", "working_days"), "2026-11-25T09:00:00+07:00"),  # 24/11/2026
        (("2026-03-02T13:00+07:00", "4", "working_hours"), "2026-03-02T17:00:00+07:00"),  # stays at 17:00
        (("2026-03-02T07:30+07:00", "1", "working_days", "--counting", "civil_code"), "2026-03-03T17:00:00+07:00"),
    ],
)
def test_cli_due(args, expected):
    result = run_cli("due", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_cli_due_bad_input():
    result = run_cli("due", "yesterday", "1", "working_days")
    assert result.returncode == 2 and "ISO 8601" in result.stderr and "Traceback" not in result.stderr


SCRIPT_BPMN = CONSULT_BPMN.replace(
    '<bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="approve"/>',
    '<bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="score"/>'
    '<bpmn:scriptTask id="score" scriptFormat="python"><bpmn:script>score = 42</bpmn:script></bpmn:scriptTask>'
    '<bpmn:sequenceFlow id="f7b" sourceRef="score" targetRef="approve"/>',
)


def test_route_state_is_a_replay_log_or_a_snapshot(tree):
    """Plain routes save only their (step, outcome) log; a script task makes them keep Spiff's snapshot."""
    catalog = load_catalog(WORKFLOWS)
    procedure = catalog.procedures["1.001806"]
    spec = compiled_spec(procedure.digest, catalog.bpmn_xml(procedure), None)
    live = route.start(spec)
    for step_id, outcome in [("intake", "done"), ("assign", "done"), ("appraise", "propose_approval"), ("review", "send_back")]:
        route.complete(live, step_id, outcome)
    state = route.dump(live)
    assert set(state) == {"log"} and len(json.dumps(state)) < 200
    again = route.load(json.loads(json.dumps(state)), spec)
    assert route.ready_steps(again) == ["appraise"]  # sent back
    with pytest.raises(route.RouteStateError):
        route.load({"log": [["approve", "sign"]]}, spec)

    (tree / "bpmn" / "consult.bpmn").write_text(SCRIPT_BPMN, encoding="utf-8")
    (tree / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml").write_text(BPMN_ROUTE, encoding="utf-8")
    scripted = load_catalog(tree)
    assert scripted.errors == []
    procedure = scripted.procedures["1.001806"]
    spec = compiled_spec(procedure.digest, scripted.bpmn_xml(procedure), None)
    live = route.start(spec)
    for step_id in ("intake", "consult_a", "consult_b"):
        route.complete(live, step_id, "done")
    state = json.loads(json.dumps(route.dump(live)))
    assert "snapshot" in state and "spec" not in state["snapshot"]
    restored = route.load(state, spec)
    assert route.ready_steps(restored) == ["approve"]
    assert restored.workflow.last_task.data.get("score") == 42 or any(
        t.data.get("score") == 42 for t in restored.workflow.get_tasks()
    )
    route.complete(restored, "approve", "done")
    assert route.is_finished(restored)


VARIANTS = """\
code: "1.013814"
name: Đăng ký thành lập, đăng ký thay đổi nội dung, cấp lại giấy chứng nhận đăng ký thành lập và giải thể cơ sở trợ giúp xã hội ngoài công lập
field: bao-tro-xa-hoi
level: province
agency: cb-so-y-te
variants:
  - id: dang_ky
    name: Cấp giấy chứng nhận đăng ký thành lập, thay đổi nội dung, cấp lại
    deadline: {working_days: 5}
    route:
      - {id: reg_intake, kind: intake, role: one_stop, allowance: {working_days: 0.5}}
      - {id: reg_appraise, role: specialist, allowance: {working_days: 4.5}}
  - id: giai_the
    name: Giải thể
    deadline: {working_days: 10}
    route:
      - {id: dis_intake, kind: intake, role: one_stop, allowance: {working_days: 0.5}}
      - {id: dis_appraise, role: specialist, allowance: {working_days: 9.5}}
"""


def test_variants_validate_and_compile(tree):
    assert problems_for(tree, VARIANTS, "1.013814.yaml") == []
    catalog = load_catalog(tree)
    procedure = catalog.procedures["1.013814"]
    assert [v.id for v in procedure.variants] == ["dang_ky", "giai_the"]
    spec = compiled_spec(procedure.digest, catalog.bpmn_xml(procedure), None)
    assert route.ready_steps(route.start(spec, "giai_the")) == ["dis_intake"]
    assert route.ready_steps(route.start(spec, "dang_ky")) == ["reg_intake"]


@pytest.mark.parametrize(
    ("change", "line", "fragment"),
    [
        (("{working_days: 9.5}", "{working_days: 10}"), 15, "vượt thời hạn giải quyết 10 ngày làm việc"),
        (("id: dis_appraise", "id: reg_appraise"), 18, "đã dùng trong trường hợp 'dang_ky'"),
        (("agency: cb-so-y-te\n", "agency: cb-so-y-te\ndeadline: {working_days: 5}\n"), 6, "phải nằm trong từng trường hợp"),
        (("variants:", "cases:"), 6, "trường không được hỗ trợ: cases"),
    ],
)
def test_variant_errors_name_their_line(tree, change, line, fragment):
    old, new = change
    assert old in VARIANTS
    found = problems_for(tree, VARIANTS.replace(old, new, 1), "1.013814.yaml")
    assert any(p.startswith(f"{line}:") and fragment in p for p in found), found
