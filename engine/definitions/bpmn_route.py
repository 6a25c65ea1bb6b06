"""A hand-drawn BPMN route, as any modeller writes it: checked, made runnable, parsed for SpiffWorkflow.

What runs (documented in docs/authoring.md):

- the process marked ``isExecutable="true"`` (or named by the definition's ``route.process``); a file
  with a single process not marked executable runs too, with a warning;
- staff steps are ``userTask``, ``manualTask`` and plain ``task`` elements; their ids, exactly as the
  modeller wrote them (``Activity_0x1ab2c``, ``sid-…``, ``_ec59e164-…``), are the step ids the
  definition's ``route.steps`` describe;
- a step's outcomes are read from the exclusive or inclusive gateway right after it: a flow whose
  condition is ``outcome == "agree"`` gives the outcome ``agree``; a flow with no condition gets one,
  named by the flow's label when it is a single word, else by the id of the element it leads to;
  a step not followed by such a gateway has one outcome, ``done``;
- conditions, script tasks and timers use the restricted language of :mod:`.expressions`;
- data stores are documentation: they are dropped with a warning.

Anything the engine cannot carry out (service, send and receive tasks, messages, signals, call
activities, …) is refused, naming the element (tag, id, name, line) and why.
"""

from __future__ import annotations

import ast
import re
import threading
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .expressions import ExpressionError, check_condition, check_script, timer_text
from .xmlfile import DEFAULT_LIMITS, Limits, XmlFileError, parse

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
STAFF_TAGS = ("userTask", "manualTask", "task")
DONE = "done"

_UNSUPPORTED = {
    "serviceTask": "MotCua không tự gọi dịch vụ; hãy vẽ thành userTask (bước cán bộ thực hiện)",
    "sendTask": "MotCua không gửi thông điệp giữa các quy trình; hãy vẽ thành userTask",
    "receiveTask": "MotCua không nhận thông điệp giữa các quy trình; hãy vẽ thành userTask",
    "businessRuleTask": "MotCua không chạy bảng quyết định (DMN); hãy vẽ thành userTask",
    "callActivity": "MotCua chỉ chạy một process; hãy vẽ tiến trình con ngay trong process (subProcess)",
    "complexGateway": "cổng phức hợp không được hỗ trợ; dùng cổng exclusive, inclusive hoặc parallel",
    "eventBasedGateway": "cổng theo sự kiện không được hỗ trợ (MotCua không nhận thông điệp/tín hiệu)",
    "transaction": "giao dịch (transaction) không được hỗ trợ",
    "adHocSubProcess": "tiến trình con ad-hoc không được hỗ trợ",
    "messageEventDefinition": "MotCua không nhận/gửi thông điệp (message) giữa các quy trình",
    "signalEventDefinition": "MotCua không phát/nhận tín hiệu (signal)",
    "escalationEventDefinition": "sự kiện leo thang (escalation) không được hỗ trợ",
    "errorEventDefinition": "sự kiện lỗi (error) không được hỗ trợ",
    "conditionalEventDefinition": "sự kiện điều kiện không được hỗ trợ",
    "compensateEventDefinition": "bù trừ (compensation) không được hỗ trợ",
    "cancelEventDefinition": "sự kiện hủy giao dịch không được hỗ trợ",
    "linkEventDefinition": "sự kiện liên kết (link) không được hỗ trợ; hãy nối bằng luồng",
    "multiInstanceLoopCharacteristics": "bước lặp nhiều lần (multi-instance) chưa được hỗ trợ",
    "standardLoopCharacteristics": "bước lặp (loop) chưa được hỗ trợ",
}
_OUTCOME_WORD = re.compile(r"^[^\W\d]\w{0,63}$")
_REPR = re.compile(r"<[^<>]* at 0x[0-9a-fA-F]+>")


class BpmnError(Exception):
    """BPMN that does not parse or cannot run; ``line`` when the XML says where. The message is Vietnamese."""

    def __init__(self, message: str, line: int = 1, severity: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.severity = severity


@dataclass(frozen=True)
class StaffTask:
    id: str
    name: str
    tag: str
    line: int
    outcomes: tuple[str, ...]


@dataclass
class BpmnRoute:
    """A checked route: its text (UTF-8), the chosen process, its staff steps, warnings; ``spec`` when it runs."""

    text: str
    process: str = ""
    tasks: dict[str, StaffTask] = field(default_factory=dict)
    problems: list[BpmnError] = field(default_factory=list)
    spec: BpmnProcessSpec | None = None

    @property
    def errors(self) -> list[BpmnError]:
        return [p for p in self.problems if p.severity == "error"]


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _q(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def describe(el: etree._Element) -> str:
    """``userTask 'Activity_1' («Thẩm định», dòng 12)``: how a message names an element."""
    name = " ".join((el.get("name") or "").split())
    label = f"«{name[:60]}», " if name else ""
    return f"{_local(el)} '{el.get('id', '?')}' ({label}dòng {el.sourceline or 1})"


def _error(el: etree._Element, reason: str, severity: str = "error") -> BpmnError:
    return BpmnError(f"{describe(el)}: {reason}", el.sourceline or 1, severity)


def _choose_process(root: etree._Element, wanted: str | None, route: BpmnRoute) -> etree._Element | None:
    processes = list(root.iter(_q("process")))
    if not processes:
        route.problems.append(BpmnError("tệp không có process nào (<process>)"))
        return None
    if wanted is not None:
        chosen = next((p for p in processes if p.get("id") == wanted), None)
        if chosen is None:
            ids = ", ".join(p.get("id", "?") for p in processes)
            route.problems.append(BpmnError(f"không có process '{wanted}' (có: {ids})"))
            return None
    else:
        marked = [p for p in processes if p.get("isExecutable") == "true"]
        drawn = [p for p in processes if p.find(_q("startEvent")) is not None]  # a pool with a flow in it
        candidates = marked or drawn or processes
        if len(candidates) != 1:
            pool = candidates
            ids = ", ".join(describe(p) for p in pool)
            reason = "có nhiều process có thể chạy" if marked else "có nhiều process, không process nào có isExecutable=\"true\""
            route.problems.append(BpmnError(f"{reason} ({ids}): ghi id process cần chạy vào 'route.process'", pool[0].sourceline or 1))
            return None
        chosen = candidates[0]
    if chosen.get("isExecutable") != "true":
        route.problems.append(_error(
            chosen, "process không được đánh dấu isExecutable=\"true\"; MotCua vẫn chạy nó (process duy nhất hoặc được chỉ định)",
            "warning",
        ))
    for p in processes:  # only the chosen one is given to the executor as executable
        p.set("isExecutable", "true" if p is chosen else "false")
    return chosen


def _drop_data_stores(root: etree._Element, route: BpmnRoute) -> None:
    stores = {el.get("id") for el in root.iter(_q("dataStoreReference"), _q("dataStore"))}
    for el in list(root.iter(_q("dataStoreReference"), _q("dataStore"))):
        route.problems.append(_error(el, "kho dữ liệu chỉ để mô tả, MotCua bỏ qua khi chạy", "warning"))
        el.getparent().remove(el)
    if not stores:
        return
    for association in list(root.iter(_q("dataInputAssociation"), _q("dataOutputAssociation"))):
        refs = {(r.text or "").strip() for r in association.iter(_q("sourceRef"), _q("targetRef"))}
        if refs & stores:
            association.getparent().remove(association)


def _outcomes_of(condition: ast.Expression) -> list[str]:
    """The outcome names a condition tests: ``outcome == "x"``, ``outcome in ["x", "y"]``."""
    found = []
    for node in ast.walk(condition):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "outcome":
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
                    found.append(right.value)
                elif isinstance(op, ast.In) and isinstance(right, ast.List | ast.Tuple):
                    found += [e.value for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return found


def _check_process(process: etree._Element, route: BpmnRoute) -> None:
    by_id = {el.get("id"): el for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
    flows = [el for el in process.iter(_q("sequenceFlow"))]
    outgoing: dict[str, list[etree._Element]] = {}
    incoming: dict[str, list[etree._Element]] = {}
    for flow in flows:
        outgoing.setdefault(flow.get("sourceRef", ""), []).append(flow)
        incoming.setdefault(flow.get("targetRef", ""), []).append(flow)
    for flow in flows:
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in by_id:
                side = "bắt đầu từ" if end == "sourceRef" else "dẫn tới"
                route.problems.append(_error(flow, f"luồng {side} phần tử không có trong process: '{flow.get(end, '')}'"))
    for el in process.iter():
        tag = _local(el)
        if tag in _UNSUPPORTED:
            owner = el.getparent() if tag.endswith("Definition") or tag.endswith("Characteristics") else el
            route.problems.append(_error(owner, _UNSUPPORTED[tag]))
        elif tag == "subProcess" and not any(_local(c) == "startEvent" for c in el):
            route.problems.append(_error(el, "tiến trình con không có sự kiện bắt đầu (startEvent) bên trong: hãy vẽ nội dung của nó"))
        elif tag == "timerEventDefinition":
            texts = [c for c in el if _local(c) in ("timeDuration", "timeDate", "timeCycle")]
            if not texts or not (texts[0].text or "").strip():
                route.problems.append(_error(el.getparent(), "hẹn giờ không có thời gian (timeDuration, timeDate hoặc timeCycle theo ISO 8601)"))
                continue
            try:
                timer_text(texts[0].text or "")
            except ExpressionError as exc:
                route.problems.append(_error(el.getparent(), str(exc)))
        elif tag == "scriptTask":
            script = next((c for c in el if _local(c) == "script"), None)
            try:
                check_script(script.text or "" if script is not None else "")
            except ExpressionError as exc:
                route.problems.append(_error(el, f"kịch bản bị từ chối: {exc}"))
    staff = {el.get("id"): el for el in process.iter(*map(_q, STAFF_TAGS))}
    found: dict[str, list[str]] = {task_id: [] for task_id in staff}
    for flow in flows:
        condition = next((c for c in flow if _local(c) == "conditionExpression"), None)
        if condition is None:
            continue
        try:
            parsed = check_condition(condition.text or "")
        except ExpressionError as exc:
            route.problems.append(_error(flow, f"điều kiện bị từ chối: {exc}"))
            continue
        gateway = by_id.get(flow.get("sourceRef"))
        if gateway is not None:
            for step_id in _staff_before(gateway, incoming, staff):
                found[step_id] += _outcomes_of(parsed)
    for gateway in process.iter(_q("exclusiveGateway"), _q("inclusiveGateway")):
        out = outgoing.get(gateway.get("id", ""), [])
        bare = [f for f in out if not any(_local(c) == "conditionExpression" for c in f)]
        if len(out) < 2 or not bare:
            continue
        deciding = _staff_before(gateway, incoming, staff)
        default = gateway.get("default")
        if len(deciding) != 1:
            for flow in bare:
                if flow.get("id") != default:
                    route.problems.append(_error(
                        flow, f"luồng ra từ {describe(gateway)} không có điều kiện, và cổng không đứng ngay sau một bước "
                        "của cán bộ nên không biết chọn nhánh nào (ghi điều kiện, ví dụ outcome == \"agree\")",
                    ))
            continue
        for flow in bare:
            label = " ".join((flow.get("name") or "").split())
            target = flow.get("targetRef", "")
            outcome = label if _OUTCOME_WORD.match(label) and label not in found[deciding[0]] else target
            found[deciding[0]].append(outcome)
            if flow.get("id") != default:
                expression = etree.SubElement(flow, _q("conditionExpression"))
                expression.text = f'outcome == "{outcome}"'
    for task_id, el in staff.items():
        outcomes = tuple(dict.fromkeys(found[task_id])) or (DONE,)
        route.tasks[task_id] = StaffTask(task_id, " ".join((el.get("name") or task_id).split()), _local(el), el.sourceline or 1, outcomes)


def _staff_before(gateway: etree._Element, incoming: dict[str, list[etree._Element]], staff: dict[str, etree._Element]) -> list[str]:
    """The staff step whose outcome the gateway decides on: the gateway's only predecessor, when it is one."""
    sources = [f.get("sourceRef", "") for f in incoming.get(gateway.get("id", ""), [])]
    return sources if len(sources) == 1 and sources[0] in staff else []


def _spiff_error(exc: SpiffWorkflowException, root: etree._Element) -> BpmnError:
    text = _REPR.sub("(phần tử)", str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    element_id = getattr(exc, "id", "") or ""
    el = next((e for e in root.iter() if isinstance(e.tag, str) and e.get("id") == element_id), None) if element_id else None
    if el is not None:
        return _error(el, f"không chạy được: {text}")
    return BpmnError(f"BPMN không chạy được: {text}")


_THREAD = threading.local()


def _validator() -> BpmnValidator:
    """SpiffWorkflow's BPMN schema validator, loaded once per thread (reading the XSD is most of a parse's time)."""
    validator = getattr(_THREAD, "validator", None)
    if validator is None:
        validator = _THREAD.validator = BpmnValidator()
    return validator


def load_route(data: bytes | str, filename: str, process: str | None = None, limits: Limits = DEFAULT_LIMITS) -> BpmnRoute:
    """Check a hand-drawn BPMN file; ``spec`` is set when it has no error."""
    try:
        text, root = parse(data, limits)
    except XmlFileError as exc:
        return BpmnRoute("", problems=[BpmnError(exc.message, exc.line)])
    route = BpmnRoute(text)
    if _local(root) != "definitions" or etree.QName(root).namespace != BPMN_NS:
        route.problems.append(BpmnError(f"phần tử gốc là <{_local(root)}>, không phải <definitions> của BPMN 2.0", root.sourceline or 1))
        return route
    _drop_data_stores(root, route)
    chosen = _choose_process(root, process, route)
    if chosen is None:
        return route
    route.process = chosen.get("id", "")
    _check_process(chosen, route)
    if not route.tasks:
        route.problems.append(_error(chosen, "process không có bước nào của cán bộ (userTask, manualTask hoặc task)"))
    if route.errors:
        return route
    parser = BpmnParser(validator=_validator())
    try:
        parser.add_bpmn_xml(etree.ElementTree(root), filename=filename)
        route.spec = parser.get_spec(route.process)
    except ValidationException as exc:
        route.problems.append(_spiff_error(exc, root))
    except SpiffWorkflowException as exc:
        route.problems.append(_spiff_error(exc, root))
    return route
