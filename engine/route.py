"""Running a procedure's route on SpiffWorkflow.

The compiled spec is shared by every dossier of a version and never stored
with a dossier. A dossier's route state is its *log*: the (step, outcome)
pairs completed so far. Replaying the log on the version's spec — immutable,
because a dossier stays pinned to its version — rebuilds the workflow exactly,
so the state is a few dozen bytes and costs nothing to write. A spec with
elements whose result does not follow from the log alone (timers, scripts,
service tasks, messages, sub-processes) also keeps SpiffWorkflow's own
snapshot (without the spec), restored instead of replayed.

Live workflows are kept in a small cache keyed by dossier and version, so a
dossier acted on again by the same process is not rebuilt.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.util.task import TaskState

from .definitions.expressions import script_engine

_SERIALIZER = BpmnWorkflowSerializer()
_REGISTRY = _SERIALIZER.registry
# The converter SpiffWorkflow registered for BpmnWorkflow (its from_dict is bound to it).
_CONVERTER = _REGISTRY.convert_from_dict[_REGISTRY.typenames[BpmnWorkflow]].args[0].__self__

# Task spec classes whose behaviour is fully determined by the completed user tasks' outcomes.
_REPLAYABLE = {
    "BpmnStartTask", "_EndJoin", "SimpleBpmnTask", "StartEvent", "EndEvent", "UserTask", "ManualTask",
    "NoneTask", "ExclusiveGateway", "ParallelGateway", "InclusiveGateway",
}


class RouteStateError(Exception):
    """A saved route state that does not fit the spec it is said to belong to."""


@dataclass
class LiveRoute:
    workflow: BpmnWorkflow
    log: list[list[str]] = field(default_factory=list)
    replayable: bool = True
    variant: str = ""  # the procedure's case, chosen at receipt; the start gateway branches on it
    ready: list[str] | None = None  # ready steps, remembered until the next completion


def replayable(spec: BpmnProcessSpec) -> bool:
    cached = getattr(spec, "_motcua_replayable", None)
    if cached is None:
        cached = all(
            type(s).__name__ in _REPLAYABLE
            and (not hasattr(s, "event_definition") or isinstance(s.event_definition, NoneEventDefinition))
            for s in spec.task_specs.values()
        )
        spec._motcua_replayable = cached
    return cached


def start(spec: BpmnProcessSpec, variant: str = "") -> LiveRoute:
    workflow = BpmnWorkflow(spec, script_engine=script_engine())
    if variant:
        workflow.task_tree.data = {"variant": variant}
    workflow.do_engine_steps()
    return LiveRoute(workflow, [], replayable(spec), variant)


def ready_steps(live: LiveRoute) -> list[str]:
    """Ids of the steps ready to be acted on, in the order the route reached them."""
    if live.ready is None:
        live.ready = [t.task_spec.name for t in live.workflow.get_tasks(state=TaskState.READY, manual=True)]
    return list(live.ready)


def complete(live: LiveRoute, step_id: str, outcome: str) -> None:
    """Finish the ready step ``step_id`` with ``outcome`` and run the engine to the next waits."""
    for task in live.workflow.get_tasks(state=TaskState.READY, manual=True):
        if task.task_spec.name == step_id:
            live.ready = None
            task.data = {"outcome": outcome}
            task.run()
            live.workflow.do_engine_steps()
            live.log.append([step_id, outcome])
            return
    raise RouteStateError(f"Bước '{step_id}' chưa sẵn sàng trong quy trình của hồ sơ (step not ready).")


def is_finished(live: LiveRoute) -> bool:
    return live.workflow.is_completed()


def dump(live: LiveRoute) -> dict[str, Any]:
    """The dossier's route state: its log, plus Spiff's snapshot when replay is not enough."""
    state: dict[str, Any] = {"log": [list(entry) for entry in live.log]}
    if live.variant:
        state["variant"] = live.variant
    if not live.replayable:
        snapshot = _SERIALIZER.to_dict(live.workflow)
        snapshot.pop("spec", None)
        snapshot.pop("subprocess_specs", None)
        state["snapshot"] = snapshot
        state["serializer_version"] = _SERIALIZER.VERSION
    return state


def load(state: dict[str, Any], spec: BpmnProcessSpec) -> LiveRoute:
    """Rebuild the live route from its saved state and the version's cached spec."""
    log = [list(entry) for entry in state.get("log", [])]
    variant = state.get("variant", "")
    if "snapshot" in state:
        return LiveRoute(_restore(state["snapshot"], spec), log, False, variant)
    live = start(spec, variant)
    for step_id, outcome in log:
        try:
            complete(live, step_id, outcome)
        except RouteStateError:
            raise RouteStateError(
                f"Nhật ký quy trình của hồ sơ không chạy lại được: bước '{step_id}' chưa sẵn sàng (route log does not replay)."
            ) from None
    return live


def _restore(snapshot: dict[str, Any], spec: BpmnProcessSpec) -> BpmnWorkflow:
    dct = dict(snapshot)
    workflow = BpmnWorkflow(spec, {}, script_engine=script_engine(), deserializing=True)
    workflow.tasks = _CONVERTER.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    _CONVERTER.set_default_attributes(workflow, dct)
    _CONVERTER.subprocesses_from_dict(dct.get("subprocesses", {}), workflow)
    workflow.bpmn_events = _REGISTRY.restore(dct.get("bpmn_events", []))
    return workflow


class WorkflowCache:
    """Live routes by dossier id, valid only for the dossier version they were saved at."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[int, LiveRoute]] = OrderedDict()

    def take(self, dossier_id: int, version: int) -> LiveRoute | None:
        """Remove and return the cached route if it matches ``version``.

        Taking (not peeking) means a command that fails leaves no half-changed
        route behind; the next command rebuilds it from the database.
        """
        item = self._items.pop(dossier_id, None)
        if item is None or item[0] != version:
            return None
        return item[1]

    def put(self, dossier_id: int, version: int, live: LiveRoute) -> None:
        self._items[dossier_id] = (version, live)
        self._items.move_to_end(dossier_id)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def bump(self, dossier_id: int, old_version: int, new_version: int) -> None:
        """The dossier changed without touching its route (a claim): keep its live route."""
        item = self._items.get(dossier_id)
        if item is not None and item[0] == old_version:
            self._items[dossier_id] = (new_version, item[1])

    def clear(self) -> None:
        self._items.clear()
