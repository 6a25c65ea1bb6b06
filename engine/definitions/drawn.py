"""A route drawn (or redrawn) in the modeller becomes the definition's route: ``{bpmn, steps}`` matched by task id.

The compiled diagram of a YAML route has one task per step, with the step's id,
so an analyst can open it in the modeller, change it and keep every step's
metadata: :func:`adopt_drawing` keeps the steps still drawn (their role,
allowance, forms, checkpoints; outcomes become the names the gateways test),
adds a step for each new task (role ``specialist``, time not counted: to be
completed, and said so) and drops the steps no longer drawn (said so too).
"""

from __future__ import annotations

from typing import Any

from .bpmn_route import DONE, load_route
from .schema import SUPPLEMENT_OUTCOME
from .xmlfile import DEFAULT_LIMITS, Limits


def adopt_drawing(definition: dict[str, Any], xml: str, limits: Limits = DEFAULT_LIMITS) -> tuple[dict[str, Any], list[str]]:
    """The definition with its route taken from ``xml``; the notes say what was added or dropped."""
    if "variants" in definition:
        return definition, ["Thủ tục có nhiều trường hợp (variants): sơ đồ vẽ tay chưa thay được quy trình của từng trường hợp; "
                            "chưa đổi quy trình."]
    route = load_route(xml, f"{definition.get('code', 'thu-tuc')}.bpmn", None, limits)
    if route.errors and not route.tasks:
        return definition, []  # the validator names the errors; nothing to match yet
    old = definition.get("route")
    old_steps = old if isinstance(old, list) else (old or {}).get("steps", []) if isinstance(old, dict) else []
    by_id = {s.get("id"): s for s in old_steps if isinstance(s, dict)}
    steps: list[dict[str, Any]] = []
    added: list[str] = []
    for task in route.tasks.values():
        step = dict(by_id.get(task.id) or {})
        if not step:
            step = {"id": task.id, "name": task.name, "role": "specialist", "allowance": "not_counted"}
            added.append(f"{task.id} («{task.name}»)")
        step.pop("next", None)
        outcomes = step.get("outcomes")
        if outcomes is not None:
            names = list(outcomes) if isinstance(outcomes, dict | list) else []
            if task.outcomes == (DONE,):
                step["outcomes"] = names  # no gateway after it: every outcome goes the one way drawn
            elif SUPPLEMENT_OUTCOME in names:
                step["outcomes"] = [SUPPLEMENT_OUTCOME]  # the others are the gateway's
            else:
                step.pop("outcomes")
        steps.append(step)
    dropped = [sid for sid in by_id if sid not in route.tasks]
    result = dict(definition)
    result["route"] = {"bpmn": f"{definition.get('code', 'thu-tuc')}.bpmn", "steps": steps}
    if route.process and (isinstance(old, dict) and old.get("process")):
        result["route"]["process"] = route.process
    notes = []
    if added:
        notes.append("Đã thêm bước mới theo sơ đồ (vai trò chuyên viên, thời gian không tính: hãy sửa lại): " + ", ".join(added) + ".")
    if dropped:
        notes.append("Đã bỏ các bước không còn trên sơ đồ: " + ", ".join(str(d) for d in dropped) + ".")
    return result, notes
