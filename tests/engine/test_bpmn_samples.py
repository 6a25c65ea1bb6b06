"""Routes drawn in real modellers (tests/data/bpmn_samples: Camunda, Signavio, Trisotech, Bizagi exports).

Every sample either validates or is refused with messages naming the element (tag, id, line) and why;
every one that validates is received, walked along every branch and returned through the commands,
on both databases.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from engine.catalogue_sync import sync_catalog
from engine.definitions import load_catalog
from engine.definitions.bpmn_route import load_route
from engine.simulate import Driver, planned
from engine.storage.models import Task
from engine.vocabulary import Status
from tests.helpers import (
    APPLICANT,
    ROOT,
    WORKFLOWS,
    forget_procedures,
    load,
    local,
    open_tasks,
    run_cli,
)

SAMPLES = ROOT / "tests" / "data" / "bpmn_samples"
FILES = sorted(p.name for p in SAMPLES.glob("*.bpmn"))

# Files with several pools run the one named here (route.process); every other file chooses by itself.
PROCESS = {
    "signavio_A.4.1.bpmn": "sid-197DAB20-8272-47C0-A69C-A7919FE812D8",
    "trisotech_B.1.0.bpmn": "_b2d3311a-a781-4e1b-a0a3-0c4ad9af4ef5",
}
RUNS = [
    "camunda-modeler_A.1.0.bpmn", "camunda-modeler_A.2.0.bpmn", "camunda-modeler_A.4.0.bpmn", "camunda-modeler_A.4.1.bpmn",
    "signavio_A.1.0.bpmn", "signavio_A.2.0.bpmn", "signavio_A.4.1.bpmn", "trisotech_A.2.0.bpmn", "trisotech_B.1.0.bpmn",
]
_ELEMENT = re.compile(r"^(\w+) '([^']+)' \(.*dòng (\d+)\)")


def test_fourteen_samples_are_vendored():
    assert len(FILES) == 14


@pytest.mark.parametrize("name", FILES)
def test_each_sample_validates_or_names_what_cannot_run(name):
    data = (SAMPLES / name).read_bytes()
    text = data.decode("utf-8")
    route = load_route(data, name, PROCESS.get(name))
    assert all("0x" not in p.message and "<Element" not in p.message for p in route.problems)
    if name in RUNS:
        assert route.errors == [] and route.spec is not None and route.tasks
        for task_id in route.tasks:
            assert f'id="{task_id}"' in text  # step ids are the ids as the modeller wrote them
        return
    assert route.errors, name
    for error in route.errors:
        if error.message.startswith("có nhiều process"):
            assert "process '" in error.message and "route.process" in error.message
            continue
        match = _ELEMENT.match(error.message)
        assert match, error.message
        tag, element_id, line = match.groups()
        assert f'id="{element_id}"' in text and int(line) == error.line
        assert f"<{tag}" in text or f":{tag}" in text


def test_validate_command_checks_a_folder_of_bpmn_files():
    result = run_cli("validate", str(SAMPLES))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for name in FILES:
        if name not in RUNS or name in PROCESS:
            continue
        assert not any(line.startswith(str(SAMPLES / name)) and "cảnh báo" not in line for line in result.stdout.splitlines())
    assert "serviceTask 'Activity_0yyznkb' («Service Task 3», dòng 31): MotCua không tự gọi dịch vụ" in result.stdout


def _definition(code: str, name: str) -> dict:
    route = load_route((SAMPLES / name).read_bytes(), name, PROCESS.get(name))
    steps = [{"id": task.id, "role": "specialist", "allowance": {"working_days": 1}} for task in route.tasks.values()]
    definition = {
        "code": code, "name": f"Mẫu {name}", "field": "bao-tro-xa-hoi", "level": "province", "agency": "cb-so-y-te",
        "deadline": {"working_days": 10}, "route": {"bpmn": name, "steps": steps},
    }
    if name in PROCESS:
        definition["route"]["process"] = PROCESS[name]
    return definition


@pytest.fixture
def samples_tree(tmp_path: Path, services) -> Iterator[tuple[Path, dict[str, str]]]:
    shutil.copy(WORKFLOWS / "agencies.yaml", tmp_path / "agencies.yaml")
    (tmp_path / "procedures" / "bao-tro-xa-hoi").mkdir(parents=True)
    shutil.copytree(SAMPLES, tmp_path / "bpmn")
    codes = {}
    for i, name in enumerate(RUNS):
        code = f"9.95{i:04d}"
        codes[name] = code
        text = yaml.safe_dump(_definition(code, name), allow_unicode=True, sort_keys=False)
        (tmp_path / "procedures" / "bao-tro-xa-hoi" / f"{code}.yaml").write_text(text, encoding="utf-8")
    yield tmp_path, codes
    forget_procedures(services, "9.95")


@pytest.mark.parametrize("name", RUNS)
def test_samples_run_every_branch_through_the_commands(services, commands, staff, samples_tree, name):
    root, codes = samples_tree
    catalog = load_catalog(root)
    assert catalog.errors == [], catalog.errors
    with services.sessions() as session:
        sync_catalog(session, catalog, local(2025, 1, 1, 8, 0))
        session.commit()
    code = codes[name]
    procedure = catalog.procedures[code]
    branching = [s for s in procedure.steps if len(s.outcomes) > 1]
    plans: list[dict[str, str]] = [{}]
    for step in branching:  # one dossier per branch of each deciding step
        plans += [{step.id: outcome} for outcome in step.outcomes]
    visited: set[str] = set()
    for plan in plans:
        dossier = commands.receive(staff["one_stop"], code, APPLICANT, "direct", [])
        assert dossier.status == Status.RECEIVED and open_tasks(services, dossier.id)
        # Each step rebuilds the route from the dossier's saved state (replayed log, or SpiffWorkflow's snapshot
        # for routes with sub-processes), as after a restart: the live-route cache is emptied before every step.
        driver = Driver(commands, staff, choose=planned(plan, {}), before_step=lambda _: services.workflows.clear())
        dossier = driver.run(dossier)
        with services.sessions() as session:
            visited |= set(session.execute(select(Task.step_id).where(Task.dossier_id == dossier.id)).scalars())
        assert dossier.status == Status.RESOLVED, (plan, dossier.status)
        dossier = commands.return_result(staff["one_stop"], dossier.code)
        assert load(services, dossier.code).status == Status.RETURNED
    assert visited == {s.id for s in procedure.steps}
