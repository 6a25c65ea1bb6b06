"""Decisions (quyết định công bố): publish, amend, abolish and transfer procedures from a date.

A decision is a YAML file in ``workflows/decisions/``::

    number: 2022/QĐ-UBND              # số hiệu; null when the data does not give it
    title: Phê duyệt quy trình nội bộ ...
    issuer: Chủ tịch UBND tỉnh Cao Bằng
    signed: 2025-11-27
    effective: 2025-11-27             # null: in force before any date we know
    legal_basis: [...]
    note: ...
    operations:
      - {op: publish, codes: ["1.001806"]}                      # the definition in workflows/procedures/
      - {op: publish, codes: [...], baseline: {agency: cb-so-ldtbxh}}  # identity only, under that agency
      - {op: amend, code: "1.001806", file: decisions/x/1.001806.yaml}
      - {op: abolish, codes: ["1.001806"]}
      - {op: transfer, from: cb-so-ldtbxh, to: cb-so-noi-vu, fields: [viec-lam], dossiers: move}

Replaying every decision in order of effective date (:func:`replay`) gives the
catalogue at any date, from the files alone. :func:`apply` writes one decision
into the database: a new procedure version per published, amended or
transferred procedure (effective from the decision's date), an abolition
marker version (so a refused dossier names the abolishing decision), the
decision row and an audit event; then, for a transfer whose date has come,
it moves the dossiers in progress to the successor agency through
``Commands.transfer_competence`` (an audited event that keeps receipt and due
times). Dossiers stay pinned to the version they were received under.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .audit import Actor, record
from .catalogue_sync import sync_agencies
from .definitions.catalog import Catalog, bpmn_xml, load_catalog
from .definitions.defaults import default_route
from .definitions.model import Procedure, raw_steps
from .definitions.source import Located, Problem, SourceError, read_located
from .definitions.validate import check, check_file, digest
from .errors import DefinitionError
from .lifecycle import CLOSED
from .listing import field_name
from .services import Services
from .storage.decisions import DecisionRow
from .storage.models import Dossier, ProcedureVersion

_CODE = {"type": "string", "pattern": r"^[0-9]\.[0-9]{6}$"}
_SLUG = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}
_DATE_OR_NULL = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"}

DECISION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://motcua.example/schema/decision.schema.json",
    "title": "MotCua decision (quyết định công bố, sửa đổi, bãi bỏ, chuyển thẩm quyền thủ tục hành chính)",
    "type": "object",
    "required": ["title", "issuer", "signed", "effective", "operations"],
    "properties": {
        "number": {"type": ["string", "null"], "description": "Số hiệu, ví dụ 2022/QĐ-UBND; null nếu dữ liệu không có."},
        "title": {"type": "string", "minLength": 1},
        "issuer": {"type": "string", "minLength": 1},
        "signed": {**_DATE_OR_NULL, "description": "Ngày ký; null nếu dữ liệu không có."},
        "effective": {**_DATE_OR_NULL, "description": "Ngày có hiệu lực; null: có hiệu lực từ trước mọi ngày đã biết."},
        "legal_basis": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "note": {"type": "string"},
        "operations": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["op"],
                "properties": {
                    "op": {"enum": ["publish", "amend", "abolish", "transfer"]},
                    "code": _CODE,
                    "codes": {"type": "array", "items": _CODE, "minItems": 1, "uniqueItems": True},
                    "file": {"type": "string", "pattern": r"\.yaml$", "description": "Tệp định nghĩa, đường dẫn từ workflows/."},
                    "baseline": {
                        "type": "object",
                        "description": "Chỉ công bố danh tính thủ tục (mã, tên, lĩnh vực, cấp) dưới cơ quan này; "
                        "thời hạn và quy trình chưa xác nhận.",
                        "required": ["agency"],
                        "properties": {"agency": _SLUG, "level": {"enum": ["central", "province", "district", "commune"]}},
                        "additionalProperties": False,
                    },
                    "from": _SLUG,
                    "to": _SLUG,
                    "fields": {"type": "array", "items": _SLUG, "minItems": 1, "uniqueItems": True},
                    "dossiers": {
                        "enum": ["move", "keep"],
                        "default": "move",
                        "description": "move: hồ sơ đang giải quyết chuyển sang cơ quan mới (mặc định); keep: giải quyết tiếp tại cơ quan cũ.",
                    },
                    "note": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

_VALIDATOR = Draft202012Validator(DECISION_SCHEMA)

OP_LABELS = {"publish": "công bố", "amend": "sửa đổi", "abolish": "bãi bỏ", "transfer": "chuyển thẩm quyền"}
CHANGE_LABELS = {
    "added": "thêm mới",
    "changed": "phiên bản mới",
    "abolished": "bãi bỏ",
    "moved": "chuyển thẩm quyền",
    "unchanged": "không đổi",
}


def schema_json() -> str:
    """The decision schema as the text of workflows/schema/decision.schema.json."""
    return json.dumps(DECISION_SCHEMA, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------- model


@dataclass(frozen=True)
class Operation:
    """One operation of a decision, with the path of its mapping in the file."""

    kind: str
    codes: tuple[str, ...]
    index: int
    file: str | None = None
    baseline_agency: str | None = None
    baseline_level: str | None = None
    from_agency: str | None = None
    to_agency: str | None = None
    fields: tuple[str, ...] = ()
    dossiers: str = "move"
    note: str = ""

    @property
    def path(self) -> tuple[str | int, ...]:
        return ("operations", self.index)


@dataclass(frozen=True)
class Decision:
    id: str  # the file's stem: stable key in the database
    number: str | None
    title: str
    issuer: str
    signed: date | None
    effective: date | None
    legal_basis: tuple[str, ...]
    note: str
    operations: tuple[Operation, ...]
    file: str
    digest: str
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False)
    located: Located | None = field(default=None, repr=False, compare=False, hash=False)

    @property
    def label(self) -> str:
        """How users see it: the number, or the title when the number is unknown."""
        return self.number or self.title

    @property
    def sort_key(self) -> tuple[date, date, str]:
        return (self.effective or date.min, self.signed or date.min, self.id)

    def problem(self, path: tuple[str | int, ...], message: str, *, severity: str = "error") -> Problem:
        if self.located is None:
            return Problem(self.file, 1, 1, message, severity)
        return self.located.problem(path, message, severity=severity)

    def effective_label(self) -> str:
        return f"{self.effective:%d/%m/%Y}" if self.effective else "trước mọi ngày đã biết"


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _schema_problems(located: Located) -> list[Problem]:
    problems = []
    for error in _VALIDATOR.iter_errors(located.data):
        path = tuple(error.absolute_path)
        where = ".".join(str(p) for p in path) or "(gốc)"
        if error.validator == "required":
            message = f"{where}: thiếu trường bắt buộc {error.message.split(' is ')[0]}"
        elif error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            message = f"{where}: trường không được hỗ trợ: {', '.join(extra)}"
            path = path + (extra[0],) if extra else path
        elif error.validator == "enum":
            message = f"{where}: giá trị không xác định {error.instance!r} (hợp lệ: {', '.join(map(str, error.validator_value))})"
        elif error.validator == "pattern":
            message = f"{where}: {error.instance!r} không đúng định dạng"
        else:
            message = f"{where}: {error.message}"
        problems.append(located.problem(path, message, key=error.validator == "additionalProperties"))
    return sorted(problems)


def load_decision(path: Path, display: str | None = None) -> tuple[Decision | None, list[Problem]]:
    """Read one decision file; problems carry ``file:line:col``."""
    try:
        located = read_located(path, display)
    except SourceError as exc:
        return None, [exc.problem]
    if not isinstance(located.data, dict):
        return None, [located.problem((), "quyết định phải là một bảng (mapping) YAML")]
    problems = _schema_problems(located)
    if problems:
        return None, problems
    data = located.data
    for key in ("signed", "effective"):
        try:
            _date(data.get(key))
        except ValueError:
            problems.append(located.problem((key,), f"{key}: ngày không hợp lệ {data.get(key)!r}"))
    operations = []
    for i, raw in enumerate(data["operations"]):
        kind = raw["op"]
        codes = tuple(raw.get("codes", ())) + ((raw["code"],) if "code" in raw else ())
        where = ("operations", i)
        if kind in ("publish", "amend", "abolish") and not codes:
            problems.append(located.problem(where, f"thao tác {kind}: cần 'code' hoặc 'codes'"))
        if "file" in raw and len(codes) != 1:
            problems.append(located.problem(where + ("file",), "'file' chỉ dùng với đúng một mã thủ tục ('code')"))
        if kind == "transfer" and not ("from" in raw and "to" in raw):
            problems.append(located.problem(where, "thao tác transfer: cần 'from' và 'to' (id cơ quan)"))
        if kind != "transfer" and any(k in raw for k in ("from", "to", "fields", "dossiers")):
            problems.append(located.problem(where, f"thao tác {kind}: 'from', 'to', 'fields', 'dossiers' chỉ dùng cho transfer"))
        if kind not in ("publish", "amend") and ("baseline" in raw or "file" in raw):
            problems.append(located.problem(where, f"thao tác {kind}: 'baseline', 'file' chỉ dùng cho publish/amend"))
        operations.append(
            Operation(
                kind=kind, codes=codes, index=i, file=raw.get("file"),
                baseline_agency=(raw.get("baseline") or {}).get("agency"),
                baseline_level=(raw.get("baseline") or {}).get("level"),
                from_agency=raw.get("from"), to_agency=raw.get("to"), fields=tuple(raw.get("fields", ())),
                dossiers=raw.get("dossiers", "move"), note=raw.get("note", ""),
            )
        )
    if problems:
        return None, problems
    signed, effective = _date(data.get("signed")), _date(data.get("effective"))
    if signed and effective and effective < signed:
        problems.append(located.problem(("effective",), "ngày hiệu lực trước ngày ký", severity="warning"))
    decision = Decision(
        id=path.stem, number=data.get("number"), title=data["title"], issuer=data["issuer"],
        signed=signed, effective=effective, legal_basis=tuple(data.get("legal_basis", ())),
        note=data.get("note", ""), operations=tuple(operations), file=located.file,
        digest=digest(data), raw=data, located=located,
    )
    return decision, problems


# ---------------------------------------------------------------------- replay


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
    from .definitions.defaults import PLACEHOLDER_DEADLINE

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
                data = transferred_definition(current.definition, op.from_agency, op.to_agency)  # type: ignore[arg-type]
                _insert(timeline, Entry(current.code, data, on, decision, "transfer", from_agency=op.from_agency))


def _insert(timeline: Timeline, entry: Entry) -> None:
    entries = timeline.entries.setdefault(entry.code, [])
    entries.append(entry)
    entries.sort(key=lambda e: e.effective or date.min)  # stable: same date keeps decision order


# ---------------------------------------------------------------------- database


@dataclass
class Change:
    """What applying a decision does to one procedure."""

    kind: str  # added | changed | abolished | moved | unchanged
    code: str
    name: str
    agency: str
    from_agency: str | None = None
    version: int | None = None
    in_progress: int = 0  # dossiers in progress of this procedure (of the old agency, for a transfer)
    dossiers: str = ""  # for transfers: move | keep

    def describe(self) -> str:
        label = CHANGE_LABELS[self.kind]
        what = f"{self.code} {self.name[:70]}"
        if self.kind == "moved":
            action = "chuyển sang" if self.dossiers == "move" else "tiếp tục giải quyết tại"
            who = self.to_label()
            tail = f"; {self.in_progress} hồ sơ đang giải quyết {action} {who if self.dossiers == 'move' else self.from_agency}"
            return f"{label}: {what} ({self.from_agency} → {self.agency}){tail}"
        if self.kind == "abolished":
            return f"{label}: {what}; {self.in_progress} hồ sơ đang giải quyết tiếp tục đến khi xong, không nhận hồ sơ mới"
        if self.kind == "changed":
            return f"{label}: {what} (v{self.version}); {self.in_progress} hồ sơ đang giải quyết giữ phiên bản cũ"
        if self.kind == "added":
            return f"{label}: {what} (v{self.version}, {self.agency})"
        return f"{label}: {what}"

    def to_label(self) -> str:
        return self.agency


@dataclass
class Report:
    decision: Decision
    changes: list[Change] = field(default_factory=list)
    already_applied: bool = False
    dry_run: bool = False
    moved_dossiers: list[str] = field(default_factory=list)
    pending_transfer: bool = False
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.kind] = out.get(c.kind, 0) + 1
        return out

    def lines(self) -> list[str]:
        d = self.decision
        head = f"Quyết định {d.number or '(không có số hiệu trong dữ liệu)'} — {d.title} [{d.id}] (hiệu lực {d.effective_label()})"
        if self.already_applied:
            return [head, "đã áp dụng trước đây; không thay đổi gì"]
        verb = "sẽ" if self.dry_run else "đã"
        counts = self.counts()
        summary = ", ".join(f"{n} {CHANGE_LABELS[k]}" for k, n in counts.items()) or "không thay đổi"
        lines = [head, f"{verb} áp dụng: {summary}"]
        lines += ["  " + c.describe() for c in self.changes if c.kind != "unchanged"]
        lines += ["  cảnh báo: " + w for w in self.warnings]
        if self.moved_dossiers:
            lines.append(f"  đã chuyển {len(self.moved_dossiers)} hồ sơ: {', '.join(self.moved_dossiers[:20])}{' …' if len(self.moved_dossiers) > 20 else ''}")
        if self.pending_transfer:
            lines.append("  việc chuyển hồ sơ đang giải quyết sẽ chạy khi quyết định có hiệu lực (motcua publish --due)")
        return lines


def _in_progress(session: Session, code: str, agency: str | None = None) -> int:
    query = select(func.count(Dossier.id)).where(Dossier.procedure_code == code, Dossier.status.not_in(CLOSED))
    if agency is not None:
        query = query.where(Dossier.agency_id == agency)
    return int(session.execute(query).scalar_one())


def _salted(value: str, salt: str) -> str:
    return hashlib.sha256(f"{value}:{salt}".encode()).hexdigest()


def _local_today(services: Services) -> date:
    return services.now().astimezone(services.calendar.tz).date()


def plan(session: Session, timeline: Timeline, decision: Decision) -> list[tuple[Change, Entry]]:
    """What the decision's entries change in the database (nothing is written)."""
    out: list[tuple[Change, Entry]] = []
    latest: dict[str, int] = dict(
        session.execute(select(ProcedureVersion.code, func.max(ProcedureVersion.version)).group_by(ProcedureVersion.code)).all()
    )
    known = {
        row.digest: row
        for row in session.execute(
            select(ProcedureVersion).where(ProcedureVersion.code.in_([e.code for e in timeline.entries_of(decision)]))
        ).scalars()
    }
    for entry in timeline.entries_of(decision):
        existing = known.get(entry.digest)
        if entry.op == "abolish":
            kind = "abolished"
        elif existing is not None and not entry.abolished and existing.effective_from == entry.effective:
            kind = "unchanged"
        elif entry.op == "transfer":
            kind = "moved"
        elif entry.code in latest:
            kind = "changed"
        else:
            kind = "added"
        version = None if kind == "unchanged" else latest.get(entry.code, 0) + 1
        if version is not None:
            latest[entry.code] = version
        in_progress = _in_progress(session, entry.code, entry.from_agency if kind == "moved" else None)
        change = Change(
            kind=kind, code=entry.code, name=entry.name, agency=entry.agency, from_agency=entry.from_agency,
            version=version, in_progress=in_progress,
            dossiers=_dossier_policy(decision, entry) if kind == "moved" else "",
        )
        out.append((change, entry))
    return out


def _dossier_policy(decision: Decision, entry: Entry) -> str:
    for op in decision.operations:
        if op.kind == "transfer" and op.from_agency == entry.from_agency and op.to_agency == entry.agency and (
            not op.codes or entry.code in op.codes
        ) and (not op.fields or entry.field in op.fields):
            return op.dossiers
    return "move"


def check_decision(timeline: Timeline, decision: Decision) -> list[Problem]:
    """The problems that concern this decision (its file, and the definition files it brings)."""
    files = {decision.file} | {e.source_file for e in timeline.entries_of(decision) if e.source_file}
    found = [*timeline.problems, *timeline.catalog.problems]
    own = [p for p in found if p.file in files or p.file.startswith(decision.file + " (")]
    return sorted(set(own))


def apply(
    services: Services,
    timeline: Timeline,
    decision: Decision,
    actor: Actor,
    *,
    dry_run: bool = False,
) -> Report:
    """Write one decision into the database (or, with ``dry_run``, only say what it would do)."""
    errors = [p for p in check_decision(timeline, decision) if p.severity == "error"]
    if errors:
        raise DefinitionError(
            f"Quyết định {decision.label} có lỗi; chưa áp dụng:\n" + "\n".join(str(p) for p in errors)
        )
    report = Report(decision=decision, dry_run=dry_run)
    with services.unit_of_work() as session:
        row = session.get(DecisionRow, decision.id)
        if row is not None:
            if row.digest != decision.digest:
                raise DefinitionError(
                    f"Quyết định {decision.label} ({decision.id}) đã được áp dụng ngày {row.applied_at:%d/%m/%Y} với nội dung khác. "
                    "Quyết định đã ban hành không sửa được: hãy ghi một quyết định mới (sửa đổi, bãi bỏ)."
                )
            report.already_applied = True
            pending = row.transfers_done_at is None and _has_moves(decision)
        else:
            earlier = [d.label for d in timeline.decisions if d.sort_key < decision.sort_key and session.get(DecisionRow, d.id) is None]
            if earlier:
                report.warnings.append("các quyết định trước chưa được áp dụng: " + "; ".join(earlier[:5]) + (" …" if len(earlier) > 5 else ""))
            planned = plan(session, timeline, decision)
            report.changes = [c for c, _ in planned]
            if dry_run:
                session.rollback()
                return report
            sync_agencies(session, timeline.catalog)  # a decision may name new agencies
            now = services.now()
            for change, entry in planned:
                if change.kind == "unchanged":
                    continue
                _write_version(session, timeline, decision, change, entry, now)
            session.add(DecisionRow(
                id=decision.id, number=decision.number, title=decision.title, issuer=decision.issuer,
                signed=decision.signed, effective=decision.effective, digest=decision.digest,
                document=decision.raw, applied_at=now, applied_by=actor.id,
                transfers_done_at=None if _has_moves(decision) else now,
            ))
            record(session, None, actor, "decision.published", {}, {
                "decision": decision.id, "number": decision.number, "effective": decision.effective.isoformat() if decision.effective else None,
                "changes": [{"kind": c.kind, "code": c.code, "version": c.version, "agency": c.agency} for c in report.changes if c.kind != "unchanged"],
            }, now)
            pending = _has_moves(decision)
    services.forget_caches()
    if pending and not dry_run:
        if decision.effective is None or decision.effective <= _local_today(services):
            report.moved_dossiers = run_transfers(services, timeline, decision, actor)
        else:
            report.pending_transfer = True
    return report


def _has_moves(decision: Decision) -> bool:
    return any(op.kind == "transfer" for op in decision.operations)


def _write_version(session: Session, timeline: Timeline, decision: Decision, change: Change, entry: Entry, now: datetime) -> None:
    agencies = set(timeline.catalog.agencies)
    procedure = _procedure(entry, agencies, timeline)
    value = entry.digest
    if entry.abolished:
        value = _salted(value, f"abolish:{decision.id}")
    clash = session.execute(select(ProcedureVersion.id).where(ProcedureVersion.digest == value)).first()
    if clash:
        value = _salted(value, decision.id)
    session.add(ProcedureVersion(
        code=entry.code, version=change.version, digest=value, name=entry.name, field=entry.field,
        agency_id=entry.agency, effective_from=entry.effective,
        abolished_from=(entry.effective or date.min) if entry.abolished else None,
        decision=decision.label[:120], confirmed=entry.confirmed, definition=entry.definition,
        bpmn_xml=bpmn_xml(procedure, timeline.catalog.root / "bpmn"), created_at=now,
    ))
    session.flush()


def _procedure(entry: Entry, agencies: set[str], timeline: Timeline) -> Procedure:
    from .definitions.validate import Context

    procedure, problems = check(Located(entry.source_file or entry.code, entry.definition), Context(agencies=agencies, bpmn_dir=timeline.catalog.root / "bpmn"))
    if procedure is None:
        raise DefinitionError("; ".join(str(p) for p in problems))
    return procedure


def run_transfers(services: Services, timeline: Timeline, decision: Decision, actor: Actor) -> list[str]:
    """Move the dossiers in progress of a transfer decision to the successor agency (audited)."""
    from .commands import Commands

    commands = Commands(services)
    moved: list[str] = []
    basis = f"{decision.label}: {decision.title}"
    start = decision.effective or _local_today(services)
    effective = datetime.combine(start, time(0, 0), services.calendar.tz)
    for op in decision.operations:
        if op.kind != "transfer" or op.dossiers != "move":
            continue
        codes = [e.code for e in timeline.entries_of(decision) if e.op == "transfer" and e.from_agency == op.from_agency and e.agency == op.to_agency]
        with services.sessions() as session:
            query = select(Dossier.code).where(Dossier.agency_id == op.from_agency, Dossier.status.not_in(CLOSED))
            if op.codes or op.fields:
                query = query.where(Dossier.procedure_code.in_(codes))
            targets = list(session.execute(query.order_by(Dossier.id)).scalars())
        for code in targets:
            commands.transfer_competence(actor, code, op.to_agency, basis, effective=effective)  # type: ignore[arg-type]
            moved.append(code)
    with services.unit_of_work() as session:
        row = session.get(DecisionRow, decision.id)
        if row is not None:
            row.transfers_done_at = services.now()
    return moved


def run_due_transfers(services: Services, timeline: Timeline, actor: Actor) -> dict[str, list[str]]:
    """For applied decisions whose date has come, move the dossiers not moved yet."""
    today = _local_today(services)
    with services.sessions() as session:
        pending = list(session.execute(select(DecisionRow.id).where(DecisionRow.transfers_done_at.is_(None))).scalars())
    done: dict[str, list[str]] = {}
    for key in pending:
        decision = timeline.decision(key)
        if decision is None or (decision.effective is not None and decision.effective > today):
            continue
        done[decision.id] = run_transfers(services, timeline, decision, actor)
    return done


def catalogue_in_db(session: Session, on: date) -> list[dict[str, Any]]:
    """The versions in force on ``on`` as the database holds them (abolished ones left out)."""
    rows = session.execute(
        select(ProcedureVersion)
        .where((ProcedureVersion.effective_from.is_(None)) | (ProcedureVersion.effective_from <= on))
        .order_by(ProcedureVersion.code, ProcedureVersion.effective_from.nulls_first(), ProcedureVersion.version)
    ).scalars()
    latest: dict[str, ProcedureVersion] = {}
    for row in rows:
        latest[row.code] = row
    return [
        {"code": r.code, "version": r.version, "name": r.name, "field": r.field, "agency": r.agency_id,
         "effective_from": r.effective_from, "decision": r.decision, "confirmed": r.confirmed}
        for r in sorted(latest.values(), key=lambda r: (r.field, r.code))
        if not (r.abolished_from is not None and r.abolished_from <= on)
    ]


def catalogue_index(timeline: Timeline, on: date | None = None) -> str:
    """workflows/CATALOGUE.md: the catalogue in force on ``on`` (default: latest) and its history."""
    from .listing import catalogue_markdown

    marks = sorted({date(2024, 6, 30)} | {d.effective for d in timeline.decisions if d.effective})
    history = [(f"{d:%d/%m/%Y}", len(timeline.at(d))) for d in marks]
    return catalogue_markdown(timeline.at(on), timeline.catalog.agencies, on, history)


def applied(session: Session) -> list[DecisionRow]:
    return list(session.execute(select(DecisionRow).order_by(DecisionRow.effective.nulls_first(), DecisionRow.id)).scalars())


__all__ = [
    "DECISION_SCHEMA", "Change", "Decision", "Entry", "Operation", "Report", "Timeline", "apply", "applied",
    "catalogue_in_db", "catalogue_index", "check_decision", "decision_files", "identity_definition", "load_decision", "plan", "replay",
    "run_due_transfers", "run_transfers", "schema_json", "transferred_definition",
]
