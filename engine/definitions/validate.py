"""Validation of procedure definitions: schema first, then the rules of a route.

Every finding is a :class:`Problem` with file, line and column. Nothing here
raises on bad input: a file that is not even YAML yields one problem.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .bpmn_route import DONE, BpmnRoute, load_route
from .model import (
    DEFAULT_SUPPLEMENT_WAIT,
    WORKING_DAY_HOURS,
    Duration,
    Procedure,
    Step,
    Variant,
    build_steps,
)
from .schema import END, FORMS, PROCEDURE_SCHEMA, ROLES, SUPPLEMENT_OUTCOME
from .source import Located, Problem, SourceError, read_located
from .xmlfile import DEFAULT_LIMITS, Limits

_VALIDATOR = Draft202012Validator(PROCEDURE_SCHEMA)

_UNCONFIRMED_LABELS = {
    "deadline": "thời hạn giải quyết",
    "fees": "phí, lệ phí",
    "documents": "thành phần hồ sơ",
    "route": "quy trình nội bộ",
    "channels": "cách thức thực hiện",
    "legal_basis": "căn cứ pháp lý",
    "online": "mức độ dịch vụ công trực tuyến",
}


@dataclass
class Context:
    """What a definition may refer to: agencies, and where BPMN files live."""

    agencies: set[str] | None = field(default_factory=set)  # None: do not check (stored versions)
    bpmn_dir: Path | None = None
    bpmn_text: str | None = None  # a stored version's BPMN (its file is not needed then)
    limits: Limits = DEFAULT_LIMITS
    divisions: dict[str, frozenset[str]] | None = None  # agency -> its division ids; None: do not check


def _schema_message(error: ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(gốc)"
    v = error.validator
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"{where}: thiếu trường bắt buộc '{missing}'"
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"{where}: trường không được hỗ trợ: {', '.join(extra)}"
    if v == "enum":
        allowed = ", ".join(str(a) for a in error.validator_value)
        label = "vai trò" if error.absolute_path and error.absolute_path[-1] == "role" else "giá trị"
        return f"{where}: {label} không xác định {error.instance!r} (hợp lệ: {allowed})"
    if v == "type":
        return f"{where}: phải là {error.validator_value}, không phải {type(error.instance).__name__}"
    if v == "pattern":
        return f"{where}: {error.instance!r} không đúng định dạng {error.validator_value}"
    if v == "oneOf":
        if isinstance(error.instance, dict) and error.absolute_path and error.absolute_path[-1] in ("deadline", "allowance"):
            return f"{where}: phải có đúng một đơn vị: working_days, working_hours, hours hoặc calendar_days (số dương){' hoặc not_counted' if error.absolute_path[-1] == 'allowance' else ''}"
        best = min(error.context, key=lambda e: len(list(e.absolute_path)), default=None) if error.context else None
        detail = f" ({_schema_message(best).split(': ', 1)[-1]})" if best is not None else ""
        return f"{where}: giá trị không hợp lệ{detail}"
    if v in ("exclusiveMinimum", "minimum"):
        return f"{where}: phải lớn hơn {error.validator_value}" if v == "exclusiveMinimum" else f"{where}: không được nhỏ hơn {error.validator_value}"
    if v == "minItems":
        return f"{where}: danh sách không được rỗng"
    if v == "uniqueItems":
        return f"{where}: có phần tử bị lặp"
    return f"{where}: {error.message}"


def _most_specific(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf, the deepest sub-error: it names the value that is really wrong."""
    while error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) <= len(error.absolute_path):
            break
        error = deepest
    return error


def _schema_problems(located: Located) -> list[Problem]:
    problems = []
    for error in map(_most_specific, _VALIDATOR.iter_errors(located.data)):
        path = tuple(error.absolute_path)
        on_key = error.validator == "additionalProperties"
        if on_key:
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            path = path + (extra[0],) if extra else path
        problems.append(located.problem(path, _schema_message(error), key=on_key))
    return sorted(problems)


def _hours(d: Duration) -> Decimal:
    return d.working_hours() if d.is_working else d.amount


def _longest_counted(steps: tuple[Step, ...], family: str) -> Decimal:
    """The largest total allowance along any path from the first step to the end."""
    by_id = {s.id: s for s in steps}
    memo: dict[str, Decimal] = {}

    def visit(step_id: str, on_path: frozenset[str]) -> Decimal:
        if step_id in memo:
            return memo[step_id]
        step = by_id[step_id]
        own = Decimal(0)
        if step.allowance is not None and step.allowance.family == family:
            own = _hours(step.allowance)
        best = Decimal(0)
        for target in set(step.outcomes.values()):
            if target in by_id and target not in on_path:  # loops are re-work, not extra allowance
                best = max(best, visit(target, on_path | {target}))
        memo[step_id] = own + best
        return memo[step_id]

    return visit(steps[0].id, frozenset({steps[0].id}))


def _route_problems(
    located: Located, steps: tuple[Step, ...], base: tuple[str | int, ...], linear: bool, ctx: Context,
    raw_steps: list[dict[str, Any]] | None = None,
) -> list[Problem]:
    problems: list[Problem] = []
    if raw_steps is None:
        raw_steps = located.data["route"] if linear else located.data["route"]["steps"]
    ids: dict[str, int] = {}
    for i, raw in enumerate(raw_steps):
        if raw["id"] in ids:
            problems.append(located.problem(base + (i, "id"), f"bước '{raw['id']}' bị trùng id (đã có ở bước {ids[raw['id']] + 1})"))
        else:
            ids[raw["id"]] = i
    for i, step in enumerate(steps):
        where = base + (i,)
        if step.kind == "intake" and i != 0:
            problems.append(located.problem(where + ("kind",), "bước tiếp nhận (intake) phải là bước đầu tiên"))
        if step.kind == "return" and linear and any(t != END for t in step.outcomes.values()):
            problems.append(located.problem(where + ("kind",), "bước trả kết quả (return) phải kết thúc quy trình"))
        if step.agency is not None and ctx.agencies is not None and step.agency not in ctx.agencies:
            problems.append(located.problem(where + ("agency",), f"cơ quan không xác định '{step.agency}' (khai báo trong workflows/agencies.yaml)"))
        elif step.division is not None and ctx.divisions is not None:
            agency = step.agency or located.data["agency"]
            known = ctx.divisions.get(agency, frozenset())
            if step.division not in known:
                choices = f"có: {', '.join(sorted(known))}" if known else "cơ quan này chưa khai báo phòng nào"
                problems.append(located.problem(
                    where + ("division",),
                    f"phòng không xác định '{step.division}' của cơ quan '{agency}' ({choices}; khai báo 'divisions' trong workflows/agencies.yaml)",
                ))
        for j, form in enumerate(step.forms):
            if form not in FORMS:  # the schema catches this too; kept for BPMN steps' clarity
                problems.append(located.problem(where + ("forms", j), f"biểu mẫu không xác định '{form}'"))
        if not linear:
            continue
        raw = raw_steps[i]
        if "next" in raw and raw["next"] not in ids and raw["next"] != END:
            problems.append(located.problem(where + ("next",), f"'next' dẫn tới bước không tồn tại '{raw['next']}'"))
        if isinstance(raw.get("outcomes"), dict):
            for outcome, target in raw["outcomes"].items():
                if outcome == SUPPLEMENT_OUTCOME:
                    continue
                if target not in ids and target != END:
                    problems.append(located.problem(where + ("outcomes", outcome), f"kết quả '{outcome}' dẫn tới bước không tồn tại '{target}'"))
    if problems or not linear:
        return problems
    # Reachability, both ways.
    by_id = {s.id: s for s in steps}
    reached, todo = {steps[0].id}, [steps[0].id]
    while todo:
        for target in by_id[todo.pop()].outcomes.values():
            if target in by_id and target not in reached:
                reached.add(target)
                todo.append(target)
    for i, step in enumerate(steps):
        if step.id not in reached:
            problems.append(located.problem(base + (i, "id"), f"bước '{step.id}' không bao giờ được tới (không bước nào dẫn tới nó)"))
    ends = {s.id for s in steps if END in s.outcomes.values()}
    finishing, changed = set(ends), True
    while changed:
        changed = False
        for s in steps:
            if s.id not in finishing and any(t in finishing for t in s.outcomes.values()):
                finishing.add(s.id)
                changed = True
    for i, step in enumerate(steps):
        if step.id in reached and step.id not in finishing:
            problems.append(located.problem(base + (i, "id"), f"từ bước '{step.id}' quy trình không bao giờ kết thúc"))
    return problems



def _check_route(
    located: Located, raw_steps: list[dict[str, Any]], raw_deadline: dict[str, Any], base: tuple[str | int, ...], ctx: Context
) -> tuple[tuple[Step, ...], list[Problem]]:
    """A YAML route: its steps, reachability, and allowances within the deadline."""
    steps = build_steps(raw_steps, linear=True)
    problems = _route_problems(located, steps, base + ("route",), True, ctx, raw_steps)
    deadline = Duration.from_mapping(raw_deadline)
    if not problems:
        total = _longest_counted(steps, deadline.family)
        if total > _hours(deadline):
            unit = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "hours": "giờ"}.get(deadline.unit, "ngày")
            shown = total / WORKING_DAY_HOURS if deadline.unit == "working_days" else total
            problems.append(located.problem(
                base + ("deadline",), f"tổng thời gian các bước ({_fmt(shown)} {unit}) vượt thời hạn giải quyết {deadline.label()}"
            ))
    return steps, problems


def _bpmn_steps(located: Located, ctx: Context) -> tuple[BpmnRoute | None, list[Problem]]:
    """The hand-drawn route of a definition, checked; its staff tasks matched to ``route.steps``."""
    route = located.data["route"]
    if ctx.bpmn_text is not None:
        source, data = f"{located.file} ({route['bpmn']})", ctx.bpmn_text
    elif ctx.bpmn_dir is None:
        return None, [located.problem(("route", "bpmn"), "không biết thư mục BPMN")]
    else:
        here = Path(located.file).parent  # beside the definition, or in a bpmn/ folder next to its folder
        candidates = [ctx.bpmn_dir / route["bpmn"], here / route["bpmn"], here.parent / "bpmn" / route["bpmn"]]
        path = next((c for c in candidates if c.is_file()), candidates[0])
        if not path.is_file():
            return None, [located.problem(("route", "bpmn"), f"không tìm thấy tệp BPMN {path}")]
        if path.stat().st_size > ctx.limits.max_bytes:
            size = path.stat().st_size
            return None, [Problem(str(path), 1, 1, f"tệp quá lớn: {size:,} byte (giới hạn {ctx.limits.max_bytes:,} byte)".replace(",", "."))]
        source, data = str(path), path.read_bytes()
    bpmn = load_route(data, source, route.get("process"), ctx.limits)
    problems = [Problem(source, p.line, 1, p.message, p.severity) for p in bpmn.problems]
    if bpmn.errors:
        return None, problems
    declared = {s["id"] for s in route["steps"]}
    for drawn in bpmn.tasks.values():
        if drawn.id not in declared:
            problems.append(Problem(source, drawn.line, 1, f"{drawn.tag} '{drawn.id}' («{drawn.name}») không có khai báo trong route.steps của {located.file}"))
    for i, raw in enumerate(route["steps"]):
        task = bpmn.tasks.get(raw["id"])
        if task is None:
            problems.append(located.problem(("route", "steps", i, "id"), f"bước '{raw['id']}' không có userTask/task tương ứng trong {route['bpmn']}"))
            continue
        listed = raw.get("outcomes")
        names = list(listed) if isinstance(listed, list | dict) else []
        if task.outcomes == (DONE,):
            continue  # no gateway after the task: its outcomes, as listed, all go the one way drawn
        for name in names:
            if name != SUPPLEMENT_OUTCOME and name not in task.outcomes:
                problems.append(located.problem(
                    ("route", "steps", i, "outcomes"),
                    f"kết quả '{name}' của bước '{raw['id']}' không có trong BPMN (các nhánh sau bước: {', '.join(task.outcomes)})",
                ))
    return bpmn, problems


def _with_bpmn_outcomes(steps: tuple[Step, ...], raw_steps: list[dict[str, Any]], bpmn: BpmnRoute) -> tuple[Step, ...]:
    """Each step's outcomes as its BPMN gateway has them (plus 'request_supplement' when the YAML lists it)."""
    result = []
    for step, raw in zip(steps, raw_steps, strict=True):
        task = bpmn.tasks[step.id]
        listed = list(raw.get("outcomes") or ())
        undecided = task.outcomes == (DONE,) and [o for o in listed if o != SUPPLEMENT_OUTCOME]
        outcomes = dict.fromkeys([o for o in listed if o != SUPPLEMENT_OUTCOME] if undecided else task.outcomes, END)
        if SUPPLEMENT_OUTCOME in listed:
            outcomes[SUPPLEMENT_OUTCOME] = SUPPLEMENT_OUTCOME
        result.append(replace(step, outcomes=outcomes, name=raw.get("name", task.name)))
    return tuple(result)


def check(located: Located, ctx: Context) -> tuple[Procedure | None, list[Problem]]:
    """Validate one parsed definition; return the Procedure when it has no error."""
    problems = _schema_problems(located)
    if problems:
        return None, problems
    data: dict[str, Any] = located.data
    if ctx.agencies is not None and data["agency"] not in ctx.agencies:
        problems.append(located.problem(("agency",), f"cơ quan không xác định '{data['agency']}' (khai báo trong workflows/agencies.yaml)"))
    linear = True
    if "variants" in data:
        for key in ("route", "deadline"):
            if key in data:
                problems.append(located.problem((key,), f"thủ tục có 'variants' thì '{key}' phải nằm trong từng trường hợp", key=True))
        variants: list[Variant] = []
        seen_steps: dict[str, str] = {}
        for i, raw in enumerate(data["variants"]):
            base: tuple[str | int, ...] = ("variants", i)
            if any(v.id == raw["id"] for v in variants):
                problems.append(located.problem(base + ("id",), f"trường hợp '{raw['id']}' bị trùng id"))
            steps, route_problems = _check_route(located, raw["route"], raw["deadline"], base, ctx)
            problems += route_problems
            for j, step in enumerate(steps):
                if step.id in seen_steps:
                    problems.append(located.problem(base + ("route", j, "id"), f"id bước '{step.id}' đã dùng trong trường hợp '{seen_steps[step.id]}'"))
                seen_steps.setdefault(step.id, raw["id"])
            variants.append(Variant(raw["id"], raw["name"], Duration.from_mapping(raw["deadline"]), steps))
    elif "route" not in data or "deadline" not in data:
        missing = [k for k in ("deadline", "route") if k not in data]
        return None, [located.problem((), f"thiếu trường bắt buộc {', '.join(repr(m) for m in missing)} (hoặc khai báo 'variants')")]
    else:
        linear = isinstance(data["route"], list)
        raw_steps = data["route"] if linear else data["route"]["steps"]
        if linear:
            steps, route_problems = _check_route(located, raw_steps, data["deadline"], (), ctx)
        else:
            steps = build_steps(raw_steps, linear=False)
            route_problems = _route_problems(located, steps, ("route", "steps"), False, ctx)
            bpmn, found = _bpmn_steps(located, ctx)
            route_problems += found
            if bpmn is not None and not any(p.severity == "error" for p in route_problems):
                steps = _with_bpmn_outcomes(steps, raw_steps, bpmn)
        problems += route_problems
        variants = [Variant("", data["name"], Duration.from_mapping(data["deadline"]), steps)]
    for i, item in enumerate(data.get("unconfirmed", [])):
        problems.append(
            located.problem(("unconfirmed", i), f"{_UNCONFIRMED_LABELS[item]} chưa được xác nhận từ nguồn (đang cập nhật)", severity="warning")
        )
    if any(p.severity == "error" for p in problems):
        return None, sorted(problems)
    procedure = Procedure(
        code=data["code"],
        name=data["name"],
        field=data["field"],
        level=data["level"],
        agency=data["agency"],
        channels=tuple(data.get("channels", ("direct",))),
        online_mode=data.get("online", {}).get("mode"),
        legacy_level=data.get("online", {}).get("legacy_level"),
        documents=tuple(data.get("documents", ())),
        fees=tuple(data.get("fees", ())),
        legal_basis=tuple(data.get("legal_basis", ())),
        deadline=variants[0].deadline,
        counting=data.get("counting"),
        on_supplement=data.get("on_supplement", "restart"),
        supplement_wait=Duration.from_mapping(data["supplement_wait"]) if "supplement_wait" in data else DEFAULT_SUPPLEMENT_WAIT,
        published_by=data.get("published_by", {}),
        unconfirmed=frozenset(data.get("unconfirmed", ())),
        steps=tuple(step for variant in variants for step in variant.steps),
        variants=tuple(variants),
        bpmn_file=None if linear else data["route"]["bpmn"],
        bpmn_process=None if linear else data["route"].get("process"),
        source_file=located.file,
        digest=digest(data),
        raw=data,
    )
    return procedure, sorted(problems)


def digest(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def check_file(path: Path, ctx: Context, display: str | None = None) -> tuple[Procedure | None, list[Problem]]:
    try:
        located = read_located(path, display)
    except SourceError as exc:
        return None, [exc.problem]
    if not isinstance(located.data, dict):
        return None, [located.problem((), "định nghĩa thủ tục phải là một bảng (mapping) YAML")]
    procedure, problems = check(located, ctx)
    if procedure is not None:
        expected = path.stem
        if expected != procedure.code:
            problems.append(located.problem(("code",), f"tên tệp '{path.name}' khác mã thủ tục '{procedure.code}'", severity="warning"))
        if path.parent.name not in (procedure.field, "procedures"):
            problems.append(located.problem(("field",), f"tệp nằm trong thư mục '{path.parent.name}' nhưng lĩnh vực là '{procedure.field}'", severity="warning"))
    return procedure, problems


def check_unique(procedures: Iterable[Procedure]) -> list[Problem]:
    seen: dict[str, Procedure] = {}
    problems = []
    for p in procedures:
        if p.code in seen:
            problems.append(Problem(p.source_file, 1, 1, f"mã thủ tục '{p.code}' trùng với {seen[p.code].source_file}"))
        else:
            seen[p.code] = p
    return problems


__all__ = ["Context", "check", "check_file", "check_unique", "digest", "ROLES"]
