"""A decision file as data: its schema, its operations, and reading it with ``file:line:col`` problems."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from ..definitions.source import Located, Problem, SourceError, read_located
from ..definitions.validate import digest

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
        "reconstructed": {
            "type": "object",
            "description": "Không phải một văn bản có trong dữ liệu: trạng thái danh mục dựng lại từ nguồn khác. "
            "as_of: ngày mà trạng thái dựng lại mô tả; sources: dựng lại từ đâu.",
            "required": ["as_of", "sources"],
            "properties": {
                "as_of": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                "sources": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
            },
            "additionalProperties": False,
        },
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


def schema_json() -> str:
    """The decision schema as the text of workflows/schema/decision.schema.json."""
    return json.dumps(DECISION_SCHEMA, ensure_ascii=False, indent=2) + "\n"


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
    reconstructed_as_of: date | None = None  # not an instrument of the data: a state rebuilt as of this date

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
    dates: list[tuple[tuple[str, ...], Any]] = [
        (("signed",), data.get("signed")), (("effective",), data.get("effective")),
        (("reconstructed", "as_of"), (data.get("reconstructed") or {}).get("as_of")),
    ]
    for key, value in dates:
        try:
            _date(value)
        except ValueError:
            problems.append(located.problem(key, f"{'.'.join(key)}: ngày không hợp lệ {value!r}"))
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
        reconstructed_as_of=_date((data.get("reconstructed") or {}).get("as_of")),
    )
    return decision, problems
