"""Replaying the decisions in order of effective date: the catalogue at any date, from the files alone."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..definitions.catalog import Catalog, load_catalog
from ..definitions.defaults import default_route
from ..definitions.model import raw_steps
from ..definitions.source import Located, Problem
from ..definitions.validate import check, check_file, digest
from ..listing import field_name
from .model import Decision, Operation, load_decision


@dataclass
class Entry:
    """One version of one procedure in the replayed timeline."""

    code: str
    definition: dict[str, Any]
    effective: date | None
    decision: Decision
    op: str  # publish | amend | transfer | abolish
    abolished: bool = False
    from_agency: str | None = None
    source_file: str | None = None

    @property
    def agency(self) -> str:
        return self.definition["agency"]

    @property
    def name(self) -> str:
        return self.definition["name"]

    @property
    def field(self) -> str:
        return self.definition["field"]

    @property
    def level(self) -> str:
        return self.definition["level"]

    @property
    def unconfirmed(self) -> frozenset[str]:
        return frozenset(self.definition.get("unconfirmed", ()))

    @property
    def confirmed(self) -> bool:
        return not (self.unconfirmed & {"deadline", "route"})

    @property
    def digest(self) -> str:
        return digest(self.definition)

    def in_force_on(self, on: date) -> bool:
        return self.effective is None or self.effective <= on


@dataclass
class Timeline:
    """Every decision replayed in order: the versions of each procedure over time."""

    catalog: Catalog
    decisions: list[Decision] = field(default_factory=list)
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def entry_at(self, code: str, on: date | None) -> Entry | None:
        """The entry of ``code`` in force on ``on`` (None: the latest), abolished ones included."""
        found = None
        for entry in self.entries.get(code, ()):
            if on is None or entry.in_force_on(on):
                found = entry
        return found

    def at(self, on: date | None) -> list[Entry]:
        """The catalogue in force on ``on`` (None: today's files' latest), sorted by field and code."""
        result = [e for code in self.entries if (e := self.entry_at(code, on)) is not None and not e.abolished]
        return sorted(result, key=lambda e: (e.field, e.code))

    def abolished_at(self, on: date | None) -> list[Entry]:
        result = [e for code in self.entries if (e := self.entry_at(code, on)) is not None and e.abolished]
        return sorted(result, key=lambda e: e.code)

    def decision(self, key: str) -> Decision | None:
        for d in self.decisions:
            if key in (d.id, d.number, d.file):
                return d
        return None

    def entries_of(self, decision: Decision) -> list[Entry]:
        return [e for entries in self.entries.values() for e in entries if e.decision.id == decision.id]


def identity_definition(definition: dict[str, Any], agency: str, level: str | None = None) -> dict[str, Any]:
    """A version that only publishes who the procedure is: deadline and route unconfirmed."""
    from ..definitions.defaults import PLACEHOLDER_DEADLINE

    level = level or definition["level"]
    deadline = copy.deepcopy(PLACEHOLDER_DEADLINE[level])
    data: dict[str, Any] = {
        "code": definition["code"], "name": definition["name"], "field": definition["field"],
        "level": level, "agency": agency, "deadline": deadline,
        "unconfirmed": ["deadline", "route", "documents", "fees", "channels", "legal_basis", "online"],
    }
    data["route"] = default_route(level, deadline, field_name(definition["field"]))
    return data


def transferred_definition(definition: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The same version under the successor agency (steps of the old agency move too).

    A moving step loses its ``division``: divisions belong to the old agency, and
    the successor's analyst assigns its own in a later version.
    """
    data = copy.deepcopy(definition)
    data["agency"] = new
    for step in raw_steps(data):
        if step.get("agency") in (old, None):
            step.pop("division", None)
        if step.get("agency") == old:
            step["agency"] = new
    return data


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def decision_files(root: Path) -> list[Path]:
    folder = root / "decisions"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def replay(root: Path, extra: Iterable[Path] = (), catalog: Catalog | None = None, *, strict: bool = False) -> Timeline:
    """Load the catalogue and every decision (plus ``extra`` files) and apply them in order.

    ``strict``: also warn about definition files that no decision publishes.
    """
    catalog = catalog or load_catalog(root)
    timeline = Timeline(catalog=catalog)
    seen: dict[str, Path] = {}
    for path in [*decision_files(root), *extra]:
        if path.resolve() in {p.resolve() for p in seen.values()}:
            continue
        decision, problems = load_decision(path, _display(path))
        timeline.problems += problems
        if decision is None:
            continue
        if decision.id in seen:
            timeline.problems.append(decision.problem((), f"trùng id quyết định '{decision.id}' với {seen[decision.id]}"))
            continue
        seen[decision.id] = path
        timeline.decisions.append(decision)
    timeline.decisions.sort(key=lambda d: d.sort_key)
    for decision in timeline.decisions:
        _apply_in_memory(timeline, decision, root)
    if strict:
        published = set(timeline.entries)
        for code, procedure in sorted(catalog.procedures.items()):
            if code not in published:
                timeline.problems.append(
                    Problem(procedure.source_file, 1, 1, f"thủ tục {code} chưa có quyết định nào công bố", "warning")
                )
    return timeline


def _definition_for(timeline: Timeline, decision: Decision, op: Operation, code: str, root: Path) -> tuple[dict[str, Any] | None, str | None]:
    catalog = timeline.catalog
    if op.file:
        path = root / op.file
        if not path.is_file():
            timeline.problems.append(decision.problem(op.path + ("file",), f"không tìm thấy tệp định nghĩa {op.file}"))
            return None, None
        procedure, problems = check_file(path, catalog.context(), _display(path))
        timeline.problems += [p for p in problems if p.severity == "error" or "thư mục" not in p.message]
        if procedure is None:
            timeline.problems.append(decision.problem(op.path + ("file",), f"định nghĩa {op.file} có lỗi"))
            return None, None
        if procedure.code != code:
            timeline.problems.append(decision.problem(op.path + ("file",), f"tệp {op.file} là thủ tục {procedure.code}, không phải {code}"))
            return None, None
        return procedure.raw, procedure.source_file
    procedure = catalog.procedures.get(code)
    if procedure is None:
        bad = [p for p in catalog.errors if Path(p.file).stem == code]
        reason = "định nghĩa có lỗi" if bad else "không có tệp workflows/procedures/**/" + code + ".yaml"
        timeline.problems.append(decision.problem(op.path, f"thủ tục {code}: {reason}"))
        return None, None
    return procedure.raw, procedure.source_file


def _check_definition(timeline: Timeline, decision: Decision, op: Operation, data: dict[str, Any]) -> bool:
    procedure, problems = check(Located(f"{decision.file} ({data.get('code')})", data), timeline.catalog.context())
    errors = [p for p in problems if p.severity == "error"]
    for p in errors:
        timeline.problems.append(decision.problem(op.path, f"phiên bản sinh ra cho {data.get('code')} không hợp lệ: {p.message}"))
    return procedure is not None


def _apply_in_memory(timeline: Timeline, decision: Decision, root: Path) -> None:
    agencies = timeline.catalog.agencies
    on = decision.effective
    for op in decision.operations:
        for key, agency in (("from", op.from_agency), ("to", op.to_agency), ("baseline", op.baseline_agency)):
            if agency is not None and agency not in agencies:
                timeline.problems.append(decision.problem(op.path + (key,), f"cơ quan không xác định '{agency}' (khai báo trong workflows/agencies.yaml)"))
        if op.kind in ("publish", "amend"):
            for code in op.codes:
                current = timeline.entry_at(code, on)
                if op.kind == "amend" and (current is None or current.abolished):
                    timeline.problems.append(decision.problem(op.path, f"sửa đổi thủ tục {code} nhưng thủ tục chưa có hiệu lực hoặc đã bị bãi bỏ vào {decision.effective_label()}"))
                    continue
                data, source = _definition_for(timeline, decision, op, code, root)
                if data is None:
                    continue
                if op.baseline_agency:
                    if op.baseline_agency not in agencies:
                        continue
                    data = identity_definition(data, op.baseline_agency, op.baseline_level)
                    if not _check_definition(timeline, decision, op, data):
                        continue
                if current is not None and not current.abolished and current.digest == digest(data):
                    timeline.problems.append(decision.problem(op.path, f"thủ tục {code}: định nghĩa không đổi so với phiên bản đang có hiệu lực", severity="warning"))
                _insert(timeline, Entry(code, data, on, decision, op.kind, source_file=source))
        elif op.kind == "abolish":
            for code in op.codes:
                current = timeline.entry_at(code, on)
                if current is None or current.abolished:
                    timeline.problems.append(decision.problem(op.path, f"bãi bỏ thủ tục {code} nhưng thủ tục không có hiệu lực vào {decision.effective_label()}"))
                    continue
                _insert(timeline, Entry(code, current.definition, on, decision, "abolish", abolished=True))
        elif op.kind == "transfer":
            if op.from_agency not in agencies or op.to_agency not in agencies:
                continue
            if op.codes:
                targets = []
                for code in op.codes:
                    current = timeline.entry_at(code, on)
                    if current is None or current.abolished:
                        timeline.problems.append(decision.problem(op.path, f"chuyển thẩm quyền thủ tục {code} nhưng thủ tục không có hiệu lực vào {decision.effective_label()}"))
                    elif current.agency != op.from_agency:
                        timeline.problems.append(decision.problem(op.path + ("from",), f"thủ tục {code} thuộc '{current.agency}', không phải '{op.from_agency}'"))
                    else:
                        targets.append(current)
            else:
                targets = [
                    e for code in list(timeline.entries)
                    if (e := timeline.entry_at(code, on)) is not None and not e.abolished
                    and e.agency == op.from_agency and (not op.fields or e.field in op.fields)
                ]
                if not targets:
                    timeline.problems.append(decision.problem(op.path, f"không có thủ tục nào của '{op.from_agency}'{' thuộc lĩnh vực ' + ', '.join(op.fields) if op.fields else ''} để chuyển (chỉ chuyển hồ sơ đang giải quyết)", severity="warning"))
            for current in targets:
                data = transferred_definition(current.definition, op.from_agency, op.to_agency)
                _insert(timeline, Entry(current.code, data, on, decision, "transfer", from_agency=op.from_agency))


def _insert(timeline: Timeline, entry: Entry) -> None:
    entries = timeline.entries.setdefault(entry.code, [])
    entries.append(entry)
    entries.sort(key=lambda e: e.effective or date.min)  # stable: same date keeps decision order
