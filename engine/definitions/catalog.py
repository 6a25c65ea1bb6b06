"""The ``workflows/`` directory: agencies, procedure definitions and their compiled BPMN.

Compiling is done once per procedure version (keyed by the definition's
digest) and cached for the life of the process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from .bpmn import compile_route, parse_spec
from .bpmn_route import load_route
from .model import Procedure
from .source import Located, Problem, SourceError, read_located
from .validate import Context, check, check_file, check_unique
from .xmlfile import DEFAULT_LIMITS, Limits, decode

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Division:
    """A division (phòng chuyên môn) of an agency, as an approved internal process names it."""

    id: str  # unique within its agency
    name: str


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    level: str
    eid: str  # electronic agency ID (mã định danh), the dossier-code prefix
    eid_confirmed: bool = False
    parent: str | None = None
    divisions: tuple[Division, ...] = ()
    province: str | None = None  # the place name its forms carry (None: a central body)

    def division(self, division_id: str) -> Division | None:
        return next((d for d in self.divisions if d.id == division_id), None)


@dataclass
class Catalog:
    root: Path
    agencies: dict[str, Agency] = field(default_factory=dict)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    limits: Limits = DEFAULT_LIMITS

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def context(self) -> Context:
        return Context(
            agencies=set(self.agencies), bpmn_dir=self.root / "bpmn",
            divisions={a.id: frozenset(d.id for d in a.divisions) for a in self.agencies.values()},
            limits=self.limits,
        )

    def bpmn_xml(self, procedure: Procedure) -> str:
        return bpmn_xml(procedure, self.root / "bpmn")


def bpmn_xml(procedure: Procedure, bpmn_dir: Path) -> str:
    """The BPMN XML of a procedure version: compiled from YAML, or its own file."""
    if procedure.bpmn_file is None:
        return compile_route(procedure.code, procedure.name, procedure.steps, procedure.variants)
    return decode((bpmn_dir / procedure.bpmn_file).read_bytes())  # any declared encoding; stored as UTF-8 text


@lru_cache(maxsize=4096)
def compiled_spec(digest: str, xml: str, process: str | None) -> BpmnProcessSpec:
    """The executable spec for one version; parsed once per process."""
    return parse_spec(xml, f"{digest[:12]}.bpmn", process)


def procedure_from_data(
    data: dict[str, Any], source: str, agencies: set[str] | None = None, bpmn_xml: str | None = None,
) -> Procedure:
    """Rebuild a procedure from data: a stored version (checked when published, with its BPMN) or a test variant."""
    procedure, problems = check(Located(source, data), Context(agencies=agencies, bpmn_dir=None, bpmn_text=bpmn_xml))
    if procedure is None:
        raise ValueError("; ".join(str(p) for p in problems))
    return procedure


def load_agencies(root: Path) -> tuple[dict[str, Agency], list[Problem]]:
    path = root / "agencies.yaml"
    try:
        located = read_located(path)
    except SourceError as exc:
        return {}, [exc.problem]
    agencies: dict[str, Agency] = {}
    problems: list[Problem] = []
    items = located.data.get("agencies") if isinstance(located.data, dict) else None
    if not isinstance(items, list):
        return {}, [located.problem((), "agencies.yaml phải có danh sách 'agencies'")]
    for i, item in enumerate(items):
        try:
            agency = Agency(
                id=item["id"], name=item["name"], level=item["level"], eid=str(item["eid"]),
                eid_confirmed=bool(item.get("eid_confirmed", False)), parent=item.get("parent"),
                province=item.get("province"),
            )
        except (KeyError, TypeError) as exc:
            problems.append(located.problem(("agencies", i), f"thiếu trường {exc} (cần id, name, level, eid)"))
            continue
        if agency.id in agencies:
            problems.append(located.problem(("agencies", i, "id"), f"cơ quan '{agency.id}' bị trùng"))
        divisions, found = _divisions(located, i, item.get("divisions"))
        problems += found
        agencies[agency.id] = replace(agency, divisions=divisions)
    from ..units import (
        unit_agencies,  # each commune (district before 1/7/2025) as an agency: workflows/units.yaml
    )

    for unit in unit_agencies(root, agencies):
        agencies.setdefault(unit.id, unit)
    return agencies, problems


def _divisions(located: Located, i: int, items: Any) -> tuple[tuple[Division, ...], list[Problem]]:
    """An agency's ``divisions``: a list of ``{id, name}``, ids unique within the agency."""
    if items is None:
        return (), []
    if not isinstance(items, list):
        return (), [located.problem(("agencies", i, "divisions"), "'divisions' phải là danh sách {id, name}")]
    divisions: list[Division] = []
    problems: list[Problem] = []
    for j, item in enumerate(items):
        where = ("agencies", i, "divisions", j)
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("name"), str) \
                or not item["name"].strip():
            problems.append(located.problem(where, "mỗi phòng cần 'id' và 'name'"))
            continue
        if not _SLUG.match(item["id"]):
            problems.append(located.problem(where + ("id",), f"id phòng '{item['id']}' phải viết thường, không dấu, nối bằng '-'"))
            continue
        if any(d.id == item["id"] for d in divisions):
            problems.append(located.problem(where + ("id",), f"phòng '{item['id']}' bị trùng"))
            continue
        divisions.append(Division(item["id"], item["name"].strip()))
    return tuple(divisions), problems


# YAML files of a workflows folder that are not procedure definitions.
_NOT_DEFINITIONS = {"agencies.yaml", "calendar.yaml", "forms.yaml"}
_NOT_DEFINITION_DIRS = {"decisions", "schema", "internal_processes"}


def definition_files(paths: list[Path]) -> list[Path]:
    """Every definition under the given files and folders (any folder name), and every .bpmn file in them."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(
                p for p in path.rglob("*")
                if p.suffix in (".yaml", ".yml", ".bpmn") and p.is_file() and p.name not in _NOT_DEFINITIONS
                and not _NOT_DEFINITION_DIRS & set(p.relative_to(path).parts[:-1])
            ))
        else:
            files.append(path)
    return files


def load_catalog(root: Path, paths: list[Path] | None = None, limits: Limits = DEFAULT_LIMITS) -> Catalog:
    """Load and validate agencies and every definition under ``root`` (or ``paths``)."""
    catalog = Catalog(root=root, limits=limits)
    catalog.agencies, catalog.problems = load_agencies(root)
    ctx = catalog.context()
    files = definition_files(paths if paths else [root / "procedures"])
    loaded = []
    for file in files:
        if file.suffix == ".bpmn":
            catalog.problems += bpmn_file_problems(file, ctx.limits)
            continue
        procedure, problems = check_file(file, ctx, _display(file))
        catalog.problems += problems
        if procedure is not None:
            loaded.append(procedure)
    catalog.problems += check_unique(loaded)
    catalog.procedures = {p.code: p for p in loaded}
    if paths:
        for path in paths:
            if not path.exists():
                catalog.problems.append(Problem(str(path), 1, 1, "không tìm thấy tệp hoặc thư mục"))
    return catalog


def bpmn_file_problems(file: Path, limits: Limits) -> list[Problem]:
    """A BPMN file on its own: would it run? Its errors and warnings, naming the elements."""
    display = _display(file)
    size = file.stat().st_size if file.is_file() else 0
    if size > limits.max_bytes:
        return [Problem(display, 1, 1, f"tệp quá lớn: {size:,} byte (giới hạn {limits.max_bytes:,} byte)".replace(",", "."))]
    try:
        data = file.read_bytes()
    except OSError as exc:
        return [Problem(display, 1, 1, f"không đọc được tệp: {exc.strerror}")]
    route = load_route(data, display, None, limits)
    return [Problem(display, p.line, 1, p.message, p.severity) for p in route.problems]


def _display(path: Path) -> str:
    """A path as the user typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def yaml_dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
