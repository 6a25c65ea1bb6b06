"""Import procedure-detail records of the national portal (Cổng Dịch vụ công quốc gia).

The input is the JSON the portal's procedure-detail API returns, one file per
procedure (the 402 records the tests use are in ``tests/data/dvcqg_details.jsonl.gz``). :func:`convert` maps what the schema can
say: identity, channels with their processing time and unit, fees, documents
with original/copy counts, legal basis, results, the publishing decision, the
online level (``isFullProcess``); the route is the field's default route,
marked unconfirmed. Everything it cannot map is returned in ``unmapped`` (and
written at the top of the produced file): nothing is dropped silently.

The reading of each value (numbers, durations, fees, documents) is in
:mod:`.dvcqg_values`; this module maps a record and writes the files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

try:  # the C emitter is many times faster
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper

from ..defaults import PLACEHOLDER_DEADLINE, default_route
from ..source import Problem, SourceError, load_located
from ..validate import Context, check
from .dvcqg_values import (
    CHANNELS,
    clean,
    comparable,
    duration,
    label_duration,
    processing_time,
    read_documents,
    read_fees,
    short,
    slug,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_CODE = re.compile(r"^[0-9]\.[0-9]{6}$")


@dataclass
class ImportResult:
    source: str
    code: str
    definition: dict[str, Any] | None
    unmapped: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    target: Path | None = None

    @property
    def field(self) -> str:
        return self.definition["field"] if self.definition else "khac"


def convert(record: dict[str, Any], agencies: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """One portal record → (definition data, the list of what could not be mapped).

    ``agencies`` maps a level (province, commune, central) to the agency id to use.
    Raises ValueError when the record is not a procedure detail at all.
    """
    data = record.get("data") if isinstance(record, dict) else None
    if not isinstance(data, dict) or not data.get("code"):
        raise ValueError("không phải bản ghi chi tiết thủ tục (thiếu data.code)")
    unmapped: list[str] = []
    notes: list[str] = []
    code = str(data["code"]).strip()
    if not _CODE.match(code):
        raise ValueError(f"mã thủ tục '{code}' không đúng định dạng N.NNNNNN")

    # Identity
    categories = [c.get("name") for c in data.get("categoriesDetails") or [] if c.get("name")]
    field_slug = slug(categories[0]) if categories else "khac"
    if not categories:
        unmapped.append("lĩnh vực: bản ghi không có categoriesDetails; xếp vào 'khac'")
    for extra in categories[1:]:
        unmapped.append(f"lĩnh vực phụ '{extra}': định nghĩa chỉ có một lĩnh vực ({categories[0]})")
    flags = {"province": data.get("isProvince"), "commune": data.get("isWard"), "central": data.get("isMinistry")}
    levels = [level for level, on in flags.items() if on]
    if not levels:
        level = "province"
        unmapped.append("cấp thực hiện không xác định (isProvince, isWard, isMinistry đều false); tạm xếp cấp tỉnh")
    else:
        level = levels[0]
        if len(levels) > 1:
            unmapped.append(f"thủ tục thực hiện ở nhiều cấp ({', '.join(levels)}); định nghĩa giữ cấp {level}")
    for flag in ("isOtherAgency", "isVertical", "isUndetermined"):
        if data.get(flag):
            unmapped.append(f"{flag}: true (không có trường tương ứng)")
    agency = agencies[level]
    executing = [u.get("name") for key in ("unitGroupsExecuting", "departmentsExecuting") for u in data.get(key) or [] if u.get("name")]
    executing += [clean(data.get(k)) for k in ("executingAgencies",) if clean(data.get(k))]
    if executing:
        notes.append("Cơ quan thực hiện theo Cổng DVCQG: " + "; ".join(clean(x) for x in executing) + ".")
        unmapped.append(f"cơ quan thực hiện '{short('; '.join(executing), 120)}': gán cơ quan '{agency}' theo cấp")
    for key, label in (("unitGroupsAuthority", "cơ quan có thẩm quyền"), ("unitGroupsAuthorized", "cơ quan được ủy quyền"),
                       ("unitGroupsCoordinating", "cơ quan phối hợp"), ("departmentsAuthority", "cơ quan có thẩm quyền"),
                       ("departmentsCoordinating", "cơ quan phối hợp")):
        names = [u.get("name") for u in data.get(key) or [] if u.get("name")]
        if names:
            unmapped.append(f"{label}: {short('; '.join(names), 160)}")

    # Channels and times: every time the record gives is kept (``deadlines``); none is silently dropped.
    channels: list[str] = []
    given: list[dict[str, Any]] = []  # {deadline, channel | case, note}: as the source says them
    fees_by_channel: dict[str, list[dict[str, Any]]] = {}
    for method in data.get("executionMethods") or []:
        channel = CHANNELS.get(method.get("submissionMethod"))
        if channel is None:
            unmapped.append(f"hình thức nộp '{method.get('submissionMethod')}' không xác định")
            continue
        if channel not in channels:
            channels.append(channel)
        description = clean(method.get("description"))
        value, reason = processing_time(method.get("processingTime"), method.get("processingTimeUnit"), description)
        if value is not None:
            entry: dict[str, Any] = {"deadline": value, "channel": channel}
            if description:
                entry["note"] = short(description, 300)
            given.append(entry)
            if reason:
                notes.append(f"Kênh {channel}: {reason}.")
        else:
            unmapped.append(f"thời hạn kênh {channel}: {reason}")
        if description:
            unmapped.append(f"mô tả thời hạn kênh {channel}: \"{short(description)}\"")
        fees_by_channel.setdefault(channel, []).extend(method.get("fees") or [])
    cases: list[tuple[str, dict[str, Any]]] = []
    for case in data.get("cases") or []:
        day = case.get("processingDay") or {}
        value, _ = processing_time(day.get("qty"), day.get("type"), "")
        if value is not None:
            cases.append((clean(case.get("name")) or str(case.get("code")), value))
            given.append({"deadline": value, "case": short(case.get("name"), 200)})
    unconfirmed: list[str] = ["route"]
    channels.sort(key=list(CHANNELS.values()).index)
    definition: dict[str, Any] = {"code": code, "name": clean(data.get("name")), "field": field_slug, "level": level, "agency": agency}
    if channels:
        definition["channels"] = channels
    else:
        unconfirmed.append("channels")
        unmapped.append("bản ghi không có hình thức nộp (executionMethods)")
    if data.get("isFullProcess"):
        definition["online"] = {"mode": "full"}
    elif "online" in channels:
        definition["online"] = {"mode": "partial"}
    else:
        definition["online"] = {"mode": "none"}
    variants = _deadline(definition, given, cases, unconfirmed, unmapped)
    # Fees: a fee whose amount is not a plain VND figure is unconfirmed ("đang cập nhật"), never "không thu"
    definition["fees"] = read_fees(fees_by_channel, unmapped)
    if any(f.get("amount") is None for f in definition["fees"]):
        unconfirmed.append("fees")
    if data.get("fees"):
        unmapped.append(f"phí, lệ phí chung (data.fees): {len(data['fees'])} mục không gắn với kênh nộp")

    # Documents (to hand in, or only to show), and the notes that go with them
    documents, document_notes, doc_unmapped = read_documents(data)
    unmapped += doc_unmapped
    if document_notes:
        definition["document_notes"] = document_notes
    if documents:
        definition["documents"] = documents
    else:
        unconfirmed.append("documents")
        unmapped.append("bản ghi không có thành phần hồ sơ")

    # Legal basis, results, publishing decision
    legal = [f"{clean(b.get('code'))}: {clean(b.get('name'))}".strip(": ") for b in data.get("legalBasisesDetails") or []]
    if legal:
        definition["legal_basis"] = legal
    else:
        unconfirmed.append("legal_basis")
    results = [clean(r.get("name")) for r in data.get("resultsDetails") or [] if clean(r.get("name"))]
    if results:
        definition["results"] = results
    proposal = data.get("procedureProposal") or {}
    number = clean(proposal.get("decisionNumber") or proposal.get("proposalNumber") or data.get("decisionNo"))
    if number:
        published: dict[str, Any] = {"decision": number}
        if proposal.get("decisionDate"):
            published["date"] = datetime.fromtimestamp(proposal["decisionDate"] / 1000, UTC).astimezone(TZ).date().isoformat()
        issuer = clean((proposal.get("issuingAgency") or {}).get("name"))
        if issuer:
            published["issuer"] = issuer
        definition["published_by"] = published
    else:
        unmapped.append("bản ghi không có quyết định công bố (procedureProposal)")

    # What has no field in the schema
    for key, label in (("requirementsAndConditions", "yêu cầu, điều kiện"), ("description", "mô tả")):
        if clean(data.get(key)) and not (key == "description" and clean(data.get(key)) == clean(data.get("requirementsAndConditions"))):
            unmapped.append(f"{label}: \"{short(data.get(key))}\"")
    steps = [s for s in data.get("executionSteps") or [] if clean(s.get("description"))]
    if steps:
        unmapped.append(f"trình tự thực hiện ({len(steps)} đoạn văn bản): không phải quy trình nội bộ; dùng quy trình mặc định (chưa xác nhận)")
    subjects = [s.get("name") for s in data.get("subjectTypesDetails") or [] if s.get("name")]
    if subjects:
        unmapped.append(f"đối tượng thực hiện: {short('; '.join(subjects), 160)}")
    for key, label in (("returningMethods", "cách trả kết quả"), ("dossierReceivingAddresses", "địa chỉ tiếp nhận"),
                       ("note", "ghi chú"), ("procedureRelatedGroup", "nhóm thủ tục liên quan")):
        if data.get(key):
            unmapped.append(f"{label}: {short(json.dumps(data[key], ensure_ascii=False) if not isinstance(data[key], str) else data[key], 120)}")
    if data.get("isNonTerritorial"):
        notes.append("Thủ tục không phụ thuộc địa giới hành chính (isNonTerritorial).")

    definition["unconfirmed"] = [u for u in ("deadline", "route", "documents", "fees", "channels", "legal_basis", "online") if u in unconfirmed]
    notes.insert(0, f"Nhập từ Cổng Dịch vụ công quốc gia (bản ghi {data.get('id', '?')}); quy trình là quy trình mặc định, chưa xác nhận.")
    definition["notes"] = " ".join(notes)
    label = categories[0] if categories else ""
    if variants:
        definition["variants"] = [
            {"id": f"case_{i}", "name": name, "deadline": value, "route": _suffixed(default_route(level, value, label), i)}
            for i, (name, value) in enumerate(variants, start=1)
        ]
    else:
        definition["route"] = default_route(level, definition["deadline"], label)
    return definition, unmapped


def _key(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True)


def _deadline(
    definition: dict[str, Any], given: list[dict[str, Any]], cases: list[tuple[str, dict[str, Any]]],
    unconfirmed: list[str], unmapped: list[str],
) -> list[tuple[str, dict[str, Any]]]:
    """Set the definition's deadline from every time the record gives; return the cases that become variants.

    One time: the deadline. One time per channel: ``channel_times``. Several named cases with their own
    times: one variant each. Several times for one channel, or a case's time that differs from the
    channels': the longest is kept as the deadline, marked unconfirmed, and every time is listed.
    """
    distinct = {_key(g["deadline"]) for g in given}
    if len(distinct) > 1:
        definition["deadlines"] = given
    case_times = {_key(v) for _, v in cases}
    if len(cases) > 1 and len(case_times) > 1:
        unmapped.append(f"{len(cases)} trường hợp có thời hạn riêng: mỗi trường hợp thành một biến thể (variants)")
        return cases
    by_channel: dict[str, list[dict[str, Any]]] = {}
    for g in given:
        if "channel" in g and g["deadline"] not in by_channel.setdefault(g["channel"], []):
            by_channel[g["channel"]].append(g["deadline"])
    times = {c: v[0] for c, v in by_channel.items() if len(v) == 1}
    if not given:
        definition["deadline"] = dict(PLACEHOLDER_DEADLINE[definition["level"]])
        unconfirmed.append("deadline")
        return []
    longest = max((g["deadline"] for g in given), key=lambda v: comparable(v))
    ambiguous = [c for c, v in by_channel.items() if len(v) > 1]
    for channel in ambiguous:
        shown = "; ".join(label_duration(v) for v in by_channel[channel])
        unmapped.append(f"kênh {channel} có {len(by_channel[channel])} thời hạn khác nhau ({shown}) theo mô tả; "
                        "thời hạn chung lấy dài nhất, chưa xác nhận (ghi đủ trong 'deadlines')")
    if not by_channel:
        definition["deadline"] = longest
    elif len({comparable(v)[0] for v in times.values()}) > 1:
        definition["deadline"] = times.get("direct") or next(iter(times.values()))
        unmapped.append("các kênh dùng đơn vị thời hạn khác nhau (ngày làm việc và ngày); thời hạn chung lấy theo kênh trực tiếp")
    else:
        definition["deadline"] = max(times.values(), key=lambda v: comparable(v)[1]) if times else longest
    if ambiguous:
        definition["deadline"] = longest
    channels = definition.get("channels", [])
    if times and (any(v != definition["deadline"] for v in times.values()) or len(times) < len(channels)):
        definition["channel_times"] = {c: times[c] for c in channels if c in times}
    for name, value in cases:
        if value != definition["deadline"] and value not in times.values():
            unmapped.append(f"trường hợp '{short(name, 80)}' ghi thời hạn {label_duration(value)}, khác thời hạn theo kênh "
                            f"({label_duration(definition['deadline'])}); chưa xác nhận (ghi đủ trong 'deadlines')")
            ambiguous.append(name)
    if ambiguous:
        unconfirmed.append("deadline")
    return []


def _suffixed(steps: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """A variant's default route: step ids made unique across the variants."""
    return [step | {"id": f"{step['id']}_{n}"} for step in steps]


# ---------------------------------------------------------------------- files


def header(result: ImportResult) -> str:
    lines = [
        "# yaml-language-server: $schema=../../schema/procedure.schema.json",
        f"# Nhập bằng `motcua import dvcqg` từ {Path(result.source).name}.",
    ]
    if result.unmapped:
        lines.append("# Chưa chuyển được (cần cán bộ kiểm soát TTHC xem lại):")
        lines += [f"#   - {item}" for item in result.unmapped]
    return "\n".join(lines) + "\n"


def dump(definition: dict[str, Any]) -> str:
    return yaml.dump(definition, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)


def import_file(path: Path, agencies: dict[str, str], ctx: Context) -> ImportResult:
    """Convert and validate one record file."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return ImportResult(str(path), path.stem, None, errors=[Problem(str(path), 1, 1, f"không đọc được JSON: {exc}")])
    try:
        definition, unmapped = convert(record, agencies)
    except (ValueError, KeyError, TypeError) as exc:
        return ImportResult(str(path), path.stem, None, errors=[Problem(str(path), 1, 1, f"không chuyển được: {exc}")])
    text = dump(definition)
    try:  # what the file will hold, exactly, read by the loader every definition goes through
        reread = load_located(text, str(path))
    except SourceError as exc:
        return ImportResult(str(path), definition["code"], None, errors=[exc.problem])
    _, problems = check(reread, ctx)
    result = ImportResult(str(path), definition["code"], definition, unmapped)
    result.errors = [p for p in problems if p.severity == "error"]
    result.warnings = [p for p in problems if p.severity != "error"]
    return result


def import_path(source: Path, agencies: dict[str, str], ctx: Context, out: Path | None = None) -> list[ImportResult]:
    """Convert a record file or every ``*.json`` of a directory; write ``<out>/<field>/<code>.yaml``."""
    files = sorted(source.glob("*.json")) if source.is_dir() else [source]
    results = []
    for path in files:
        result = import_file(path, agencies, ctx)
        if out is not None and result.definition is not None and not result.errors:
            target = out / result.field / f"{result.code}.yaml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(header(result) + dump(result.definition), encoding="utf-8")
            result.target = target
        results.append(result)
    return results


__all__ = ["ImportResult", "convert", "duration", "import_file", "import_path", "slug"]
