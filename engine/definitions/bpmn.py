"""BPMN 2.0: compile YAML routes to XML (with a diagram), and parse any BPMN for SpiffWorkflow.

There is one executor. A YAML route becomes a BPMN process whose user tasks
carry the step ids; an outcome that branches becomes an exclusive gateway whose
flows test ``outcome``. Hand-drawn BPMN follows the same convention, so both
run the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from .bpmn_route import BPMN_NS, BpmnError, load_route
from .model import Step, Variant
from .schema import END, SUPPLEMENT_OUTCOME
from .xmlfile import DEFAULT_LIMITS, Limits

_W, _H, _GAP = 120, 80, 60
_Y = 120


def process_id(code: str) -> str:
    return "procedure_" + code.replace(".", "_")


def compile_route(code: str, name: str, steps: tuple[Step, ...], variants: Sequence[Variant] = ()) -> str:
    """BPMN XML, with diagram information, for a YAML route (or one lane per variant)."""
    pid = process_id(code)
    lanes = [(v.id, v.steps) for v in variants] if len(variants) > 1 else [("", steps)]
    nodes: list[tuple[str, str, str, int]] = [("startEvent", "start", "Bắt đầu", 0)]  # kind, id, label, lane
    flows: list[tuple[str, str, str, str | None]] = []  # id, source, target, condition

    def target_node(target: str) -> str:
        return "end" if target == END else target

    if len(lanes) > 1:
        nodes.append(("exclusiveGateway", "gw_variant", "Trường hợp", 0))
        flows.append(("flow_start", "start", "gw_variant", None))
        for variant_id, lane_steps in lanes:
            flows.append((f"flow_variant_{variant_id}", "gw_variant", lane_steps[0].id, f'variant == "{variant_id}"'))
    else:
        flows.append(("flow_start", "start", steps[0].id, None))
    for lane, (_, lane_steps) in enumerate(lanes):
        for step in lane_steps:
            nodes.append(("userTask", step.id, step.name, lane))
            targets: dict[str, list[str]] = {}
            for outcome, target in step.outcomes.items():
                if target != SUPPLEMENT_OUTCOME:
                    targets.setdefault(target, []).append(outcome)
            if len(targets) == 1:
                (target,) = targets
                flows.append((f"flow_{step.id}", step.id, target_node(target), None))
                continue
            gateway = f"gw_{step.id}"
            nodes.append(("exclusiveGateway", gateway, "", lane))
            flows.append((f"flow_{step.id}", step.id, gateway, None))
            for target, outcomes in targets.items():
                condition = " or ".join(f'outcome == "{o}"' for o in outcomes)
                flows.append((f"flow_{step.id}_{target}", gateway, target_node(target), condition))
    nodes.append(("endEvent", "end", "Kết thúc", 0))

    # Layout: each lane left to right in list order, lanes stacked; gateways just after their task.
    shapes: dict[str, tuple[int, int, int, int]] = {}
    lane_x = {lane: 40 for lane in range(len(lanes))}
    for kind, node_id, _, lane in nodes:
        y = _Y + lane * (_H + 120)
        if kind in ("startEvent", "endEvent"):
            x = max(lane_x.values()) if kind == "endEvent" else lane_x[lane]
            shapes[node_id] = (x, _Y + 22, 36, 36)
            lane_x[lane] = x + 36 + _GAP
            if node_id == "start" or len(lanes) > 1 and node_id == "gw_variant":
                lane_x = {k: lane_x[lane] for k in lane_x}
        elif kind == "exclusiveGateway":
            shapes[node_id] = (lane_x[lane], y + 15, 50, 50)
            lane_x[lane] += 50 + _GAP
            if node_id == "gw_variant":
                lane_x = {k: lane_x[lane] for k in lane_x}
        else:
            shapes[node_id] = (lane_x[lane], y, _W, _H)
            lane_x[lane] += _W + _GAP

    order = {node_id: i for i, (_, node_id, _, _) in enumerate(nodes)}
    step_ids = {s.id for _, lane_steps in lanes for s in lane_steps}

    def edge(source: str, target: str) -> list[tuple[int, int]]:
        sx, sy, sw, sh = shapes[source]
        tx, ty, tw, th = shapes[target]
        if order[target] > order[source] or target not in step_ids:
            start_point, end_point = (sx + sw, sy + sh // 2), (tx, ty + th // 2)
            if start_point[1] == end_point[1]:
                return [start_point, end_point]
            middle = (start_point[0] + end_point[0]) // 2
            return [start_point, (middle, start_point[1]), (middle, end_point[1]), end_point]
        low = max(sy + sh, ty + th) + 40  # a loop back (send back): drawn below the lane
        return [(sx + sw // 2, sy + sh), (sx + sw // 2, low), (tx + tw // 2, low), (tx + tw // 2, ty + th)]

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
        f'id="definitions_{pid}" targetNamespace="https://motcua.example/bpmn" exporter="motcua">',
        f"  <bpmn:process id={quoteattr(pid)} name={quoteattr(name)} isExecutable=\"true\">",
    ]
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow_id, source, target, _ in flows:
        outgoing.setdefault(source, []).append(flow_id)
        incoming.setdefault(target, []).append(flow_id)
    for kind, node_id, label, _ in nodes:
        inner = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming.get(node_id, []))
        inner += "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(node_id, []))
        out.append(f"    <bpmn:{kind} id={quoteattr(node_id)} name={quoteattr(label)}>{inner}</bpmn:{kind}>")
    for flow_id, source, target, expression in flows:
        attrs = f"id={quoteattr(flow_id)} sourceRef={quoteattr(source)} targetRef={quoteattr(target)}"
        if expression is None:
            out.append(f"    <bpmn:sequenceFlow {attrs}/>")
        else:
            out.append(
                f"    <bpmn:sequenceFlow {attrs}><bpmn:conditionExpression>"
                f"{escape(expression)}</bpmn:conditionExpression></bpmn:sequenceFlow>"
            )
    out.append("  </bpmn:process>")
    out.append(f'  <bpmndi:BPMNDiagram id="diagram_{pid}">')
    out.append(f'    <bpmndi:BPMNPlane id="plane_{pid}" bpmnElement={quoteattr(pid)}>')
    for _, node_id, _, _ in nodes:
        x0, y0, w, h = shapes[node_id]
        out.append(
            f'      <bpmndi:BPMNShape id="shape_{node_id}" bpmnElement={quoteattr(node_id)}>'
            f'<dc:Bounds x="{x0}" y="{y0}" width="{w}" height="{h}"/></bpmndi:BPMNShape>'
        )
    for flow_id, source, target, _ in flows:
        points = "".join(f'<di:waypoint x="{px}" y="{py}"/>' for px, py in edge(source, target))
        out.append(f'      <bpmndi:BPMNEdge id="edge_{flow_id}" bpmnElement={quoteattr(flow_id)}>{points}</bpmndi:BPMNEdge>')
    out.append("    </bpmndi:BPMNPlane>")
    out.append("  </bpmndi:BPMNDiagram>")
    out.append("</bpmn:definitions>")
    return "\n".join(out) + "\n"


def parse_spec(xml: str | bytes, filename: str, process: str | None = None, limits: Limits = DEFAULT_LIMITS) -> BpmnProcessSpec:
    """Parse BPMN into an executable SpiffWorkflow spec, or raise BpmnError (the first error, naming its element)."""
    route = load_route(xml, filename, process, limits)
    if route.spec is None:
        errors = route.errors
        first = errors[0]
        more = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
        raise BpmnError(first.message + more, first.line)
    return route.spec
