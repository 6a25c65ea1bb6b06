"""Authoring's hot paths: checking modeller files, refusing hostile ones, and the restricted expression engine.

    python bench/authoring.py [--repeat 20]

Prints, per measurement, the median time over ``--repeat`` runs (one process, one core):

- ``load_route`` on each of the 14 modeller samples (parse, checks, SpiffWorkflow spec), and on a
  compiled catalogue route;
- refusing a 6 MB file (size check) and a 4 MB file of 60,000 elements (element count);
- one condition ``outcome == "agree" and not (outcome in [...])`` evaluated by the restricted engine,
  against Python's ``eval`` of the same text (what SpiffWorkflow's default engine does);
- a whole route run (start, complete the step, gateway, end) with the restricted engine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import route  # noqa: E402
from engine.definitions import compile_route, load_catalog  # noqa: E402
from engine.definitions.bpmn_route import load_route  # noqa: E402
from engine.definitions.expressions import evaluate  # noqa: E402

SAMPLES = ROOT / "tests" / "data" / "bpmn_samples"
CONDITION = 'outcome == "agree" and not (outcome in ["x", "y"])'
SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review"/><bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>
    <bpmn:exclusiveGateway id="decide" default="f4"/>
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="end"><bpmn:conditionExpression>{c}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="decide" targetRef="end"/><bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
""".format(c=CONDITION.replace("<", "&lt;"))


def median(fn: Callable[[], object], repeat: int, inner: int = 1) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - started) / inner)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    rows: list[tuple[str, str]] = []
    for path in sorted(SAMPLES.glob("*.bpmn")):
        data = path.read_bytes()
        verdict = "runs" if load_route(data, path.name).spec is not None else "refused"
        rows.append((f"load_route {path.name} ({len(data) // 1024} KB, {verdict})", f"{median(lambda data=data, name=path.name: load_route(data, name), repeat) * 1e3:.2f} ms"))
    procedure = load_catalog(ROOT / "workflows").procedures["1.001806"]
    compiled = compile_route(procedure.code, procedure.name, procedure.steps, procedure.variants)
    rows.append(("load_route compiled 1.001806", f"{median(lambda: load_route(compiled, 'x'), repeat) * 1e3:.2f} ms"))
    big = SMALL.replace("</bpmn:process>", "<!--" + "x" * 6_000_000 + "--></bpmn:process>").encode()
    rows.append(("refuse a 6 MB file", f"{median(lambda: load_route(big, 'x'), repeat) * 1e3:.3f} ms"))
    many = SMALL.replace("</bpmn:process>", '<bpmn:textAnnotation id="a"/>' * 60_000 + "</bpmn:process>")
    rows.append(("refuse 60,000 elements (1.7 MB)", f"{median(lambda: load_route(many, 'x'), max(3, repeat // 4)) * 1e3:.1f} ms"))
    data = {"outcome": "agree"}
    ours = median(lambda: evaluate(CONDITION, data), repeat, 2000)
    theirs = median(lambda: eval(CONDITION, {}, dict(data)), repeat, 2000)  # noqa: S307 - the baseline being replaced
    rows.append(("condition, restricted engine", f"{ours * 1e6:.1f} µs"))
    rows.append(("condition, Python eval (Spiff's default)", f"{theirs * 1e6:.1f} µs"))
    spec = load_route(SMALL, "x").spec
    assert spec is not None

    def run() -> None:
        live = route.start(spec)
        route.complete(live, "review", "agree")
        assert route.is_finished(live)

    rows.append(("route: start, complete, gateway, end", f"{median(run, repeat, 20) * 1e3:.2f} ms"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")


if __name__ == "__main__":
    main()
