"""No code runs from a definition, and hostile BPMN files are refused fast with a clear message."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import route
from engine.definitions.bpmn_route import load_route
from engine.definitions.expressions import ExpressionError, evaluate, execute, timer_text
from engine.definitions.xmlfile import Limits

HEAD = '<?xml version="1.0" encoding="{encoding}"?>\n'
BODY = """<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" name="{name}"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>
    <bpmn:exclusiveGateway id="decide" default="f4"/>
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="sign"><bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="decide" targetRef="end"/>
    <bpmn:userTask id="sign" name="Ký"/>
    <bpmn:sequenceFlow id="f5" sourceRef="sign" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def bpmn(condition: str = 'outcome == "agree"', name: str = "Thẩm định", encoding: str = "UTF-8") -> str:
    return HEAD.format(encoding=encoding) + BODY.format(condition=condition.replace("&", "&amp;").replace("<", "&lt;"), name=name)


DANGEROUS = [
    "__import__('os').system('touch {marker}')",
    "().__class__.__bases__[0].__subclasses__()",
    "eval(\"__import__('os').system('touch {marker}')\")",
    "exec('import os')",
    "open('{marker}', 'w')",
    "(lambda: __import__('os'))()",
    "[c for c in ().__class__.__mro__]",
    "outcome.__class__",
    "f\"{{__import__('os').system('touch {marker}')}}\"",
    "globals()['__builtins__']",
    "outcome == 'agree' or __import__('os').system('touch {marker}')",
    "_secret == 1",
]


@pytest.mark.parametrize("template", DANGEROUS)
def test_dangerous_conditions_neither_validate_nor_run(tmp_path: Path, template: str):
    marker = tmp_path / "pwned"
    condition = template.format(marker=marker)
    checked = load_route(bpmn(condition), "x.bpmn")
    assert checked.spec is None
    (error,) = checked.errors
    assert error.message.startswith("sequenceFlow 'f3' (dòng 9): điều kiện bị từ chối") and error.line == 9, error.message
    with pytest.raises(ExpressionError):
        evaluate(condition, {"outcome": "agree"})
    # Even a spec that skipped our validation runs its conditions through the restricted engine.
    parser = BpmnParser()
    parser.add_bpmn_xml(etree.fromstring(bpmn(condition).encode()), filename="x.bpmn")
    live = route.start(parser.get_spec("p"))
    with pytest.raises(SpiffWorkflowException):
        route.complete(live, "review", "agree")
    assert not marker.exists()


def test_scripts_are_assignments_only(tmp_path: Path):
    data: dict[str, object] = {"outcome": "agree"}
    execute("score = 40 + 2\nok = outcome == 'agree' and score > 10", data)
    assert data == {"outcome": "agree", "score": 42, "ok": True}
    for script in ("import os", "x = __import__('os')", "print('x')", "del outcome", "x.y = 1", "for i in []: pass"):
        with pytest.raises(ExpressionError):
            execute(script, {})
    xml = bpmn().replace(
        '<bpmn:userTask id="sign" name="Ký"/>',
        '<bpmn:scriptTask id="sign" name="Tính"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>',
    )
    (error,) = load_route(xml, "x.bpmn").errors
    assert error.message.startswith("scriptTask 'sign' («Tính», dòng 11): kịch bản bị từ chối")


def test_conditions_in_the_language_run_and_give_the_steps_outcomes():
    checked = load_route(bpmn('outcome == "agree" and not (outcome in ["x", "y"])'), "x.bpmn")
    assert checked.errors == [] and checked.tasks["review"].outcomes == ("agree", "x", "y", "end")
    live = route.start(checked.spec)
    route.complete(live, "review", "agree")
    assert route.ready_steps(live) == ["sign"]
    live = route.start(checked.spec)
    route.complete(live, "review", "refuse")  # the default flow
    assert route.is_finished(live)


def test_unlabelled_branches_after_a_step_become_its_outcomes():
    xml = bpmn().replace('<bpmn:conditionExpression>outcome == "agree"</bpmn:conditionExpression>', "").replace(
        '<bpmn:sequenceFlow id="f3"', '<bpmn:sequenceFlow id="f3" name="agree"').replace(' default="f4"', "")
    checked = load_route(xml, "x.bpmn")
    assert checked.errors == [] and checked.tasks["review"].outcomes == ("agree", "end")
    live = route.start(checked.spec)
    route.complete(live, "review", "end")
    assert route.is_finished(live)


@pytest.mark.parametrize(("text", "value"), [("PT4H", "PT4H"), ("R6/P1D", "R6/P1D"), ('"P1D"', "P1D"),
                                             ("2026-03-02T08:00:00+07:00", "2026-03-02T08:00:00+07:00")])
def test_iso_8601_timers_are_timers(text: str, value: str):
    assert timer_text(text) == value
    assert evaluate(text, {}) == value


def test_timers_in_a_route_are_parsed_as_timers_not_python():
    timer = ('<bpmn:boundaryEvent id="remind" name="Nhắc" attachedToRef="review" cancelActivity="false">'
             '<bpmn:timerEventDefinition><bpmn:timeCycle>R6/P1D</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
             '<bpmn:sequenceFlow id="f6" sourceRef="remind" targetRef="end2"/><bpmn:endEvent id="end2"/>'
             '<bpmn:boundaryEvent id="late" attachedToRef="sign"><bpmn:timerEventDefinition>'
             '<bpmn:timeDuration>PT4H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
             '<bpmn:sequenceFlow id="f7" sourceRef="late" targetRef="end3"/><bpmn:endEvent id="end3"/>')
    xml = bpmn().replace('<bpmn:endEvent id="end"/>', '<bpmn:endEvent id="end"/>' + timer)
    checked = load_route(xml, "x.bpmn")
    assert checked.errors == [], checked.errors
    live = route.start(checked.spec)
    live.workflow.refresh_waiting_tasks()
    waiting = {t.task_spec.name for t in live.workflow.get_tasks(state=TaskState.WAITING)}
    assert "remind" in waiting
    route.complete(live, "review", "agree")
    live.workflow.refresh_waiting_tasks()
    assert "late" in {t.task_spec.name for t in live.workflow.get_tasks(state=TaskState.WAITING)}
    bad = xml.replace("PT4H", "__import__('os')")
    (error,) = load_route(bad, "x.bpmn").errors
    assert error.message.startswith("boundaryEvent 'late'") and "ISO 8601" in error.message


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16", "windows-1258", "UTF-8"])
def test_any_declared_encoding_reads(encoding: str):
    name = {"ISO-8859-1": "Révision générale", "windows-1258": "Thẩm định hồ sơ"}.get(encoding, "Tiếp nhận hồ sơ")
    text = bpmn(name=name, encoding=encoding)
    if encoding == "windows-1258":
        data = "".join(map(_cp1258_form, text)).encode("cp1258")
    else:
        data = text.encode(encoding)
    checked = load_route(data, "x.bpmn")
    assert checked.errors == [], checked.errors
    assert checked.tasks["review"].name == name
    assert checked.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')


def _cp1258(text: str) -> bool:
    try:
        text.encode("cp1258")
    except UnicodeEncodeError:
        return False
    return True


def _cp1258_form(ch: str) -> str:
    """How windows-1258 holds a letter: precomposed when it can, else a base letter and a combining tone mark."""
    if _cp1258(ch):
        return ch
    decomposed = unicodedata.normalize("NFD", ch)
    for cut in range(len(decomposed), 0, -1):
        head = unicodedata.normalize("NFC", decomposed[:cut])
        if _cp1258(head + decomposed[cut:]):
            return head + decomposed[cut:]
    raise AssertionError(ch)


def test_oversize_file_is_refused_fast():
    big = bpmn().replace("</bpmn:process>", "<!--" + "x" * 6_000_000 + "--></bpmn:process>").encode()
    started = time.perf_counter()
    checked = load_route(big, "x.bpmn")
    assert time.perf_counter() - started < 0.5
    assert checked.errors[0].message.startswith("tệp quá lớn: 6.00") and "giới hạn 5.000.000 byte" in checked.errors[0].message


def test_too_many_elements_refused():
    many = bpmn().replace("</bpmn:process>", '<bpmn:textAnnotation id="a"/>' * 60_000 + "</bpmn:process>")
    assert len(many.encode()) < 5_000_000
    (error,) = load_route(many, "x.bpmn").errors
    assert "quá nhiều phần tử (hơn 50.000)" in error.message
    (error,) = load_route(bpmn(), "x.bpmn", limits=Limits(max_elements=10)).errors
    assert "hơn 10" in error.message


def test_deep_nesting_refused():
    deep = bpmn().replace("</bpmn:process>", "<x>" * 300 + "</x>" * 300 + "</bpmn:process>")
    (error,) = load_route(deep, "x.bpmn").errors
    assert "lồng nhau quá sâu" in error.message or "depth" in error.message.lower()


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    '<!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">',
])
def test_doctype_entities_refused(doctype: str):
    xml = bpmn(name="&xxe;" if "xxe" in doctype else "&c;" if "ENTITY c" in doctype else "x").replace("?>\n", "?>\n" + doctype + "\n", 1)
    checked = load_route(xml, "x.bpmn")
    assert checked.spec is None
    (error,) = checked.errors
    assert "DOCTYPE" in error.message or "thực thể" in error.message, error.message
    assert "root:" not in error.message
