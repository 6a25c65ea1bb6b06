"""Running a procedure's route on SpiffWorkflow.

The compiled spec is shared by every dossier of a version; a dossier's saved
route state holds only its task tree (the spec is left out and given back on
load). Live workflows are kept in a small cache keyed by dossier and version,
so a dossier acted on again by the same process is not deserialised twice.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.util.task import TaskState

_SERIALIZER = BpmnWorkflowSerializer()
_REGISTRY = _SERIALIZER.registry
# The converter SpiffWorkflow registered for BpmnWorkflow (its from_dict is bound to it).
_CONVERTER = _REGISTRY.convert_from_dict[_REGISTRY.typenames[BpmnWorkflow]].args[0].__self__


@dataclass(frozen=True)
class ReadyStep:
    spiff_id: str
    step_id: str


def start(spec: BpmnProcessSpec) -> BpmnWorkflow:
    workflow = BpmnWorkflow(spec)
    workflow.do_engine_steps()
    return workflow


def ready_steps(workflow: BpmnWorkflow) -> list[ReadyStep]:
    return [ReadyStep(str(t.id), t.task_spec.name) for t in workflow.get_tasks(state=TaskState.READY, manual=True)]


def complete(workflow: BpmnWorkflow, spiff_id: str, outcome: str) -> None:
    """Finish one ready task with ``outcome`` and run the engine to the next waits."""
    task = workflow.get_task_from_id(UUID(spiff_id))
    if task is None or task.state != TaskState.READY:
        raise LookupError(f"task {spiff_id} is not ready")
    task.data = {"outcome": outcome}
    task.run()
    workflow.do_engine_steps()


def is_finished(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


def dump(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The dossier's route state: the task tree without the spec."""
    state = _SERIALIZER.to_dict(workflow)
    state.pop("spec", None)
    state.pop("subprocess_specs", None)
    state["serializer_version"] = _SERIALIZER.VERSION
    return state


def load(state: dict[str, Any], spec: BpmnProcessSpec) -> BpmnWorkflow:
    """Rebuild a workflow from its saved state and the version's cached spec."""
    dct = dict(state)
    dct.pop("serializer_version", None)
    converter = _CONVERTER
    workflow = BpmnWorkflow(spec, {}, deserializing=True)
    workflow.tasks = converter.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    converter.set_default_attributes(workflow, dct)
    converter.subprocesses_from_dict(dct.get("subprocesses", {}), workflow)
    workflow.bpmn_events = _REGISTRY.restore(dct.get("bpmn_events", []))
    return workflow


class WorkflowCache:
    """Live workflows by dossier id, valid only for the dossier version they were saved at."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[int, BpmnWorkflow]] = OrderedDict()

    def take(self, dossier_id: int, version: int) -> BpmnWorkflow | None:
        """Remove and return the cached workflow if it matches ``version``.

        Taking (not peeking) means a command that fails leaves no half-changed
        workflow behind; the next command reloads from the database.
        """
        item = self._items.pop(dossier_id, None)
        if item is None or item[0] != version:
            return None
        return item[1]

    def put(self, dossier_id: int, version: int, workflow: BpmnWorkflow) -> None:
        self._items[dossier_id] = (version, workflow)
        self._items.move_to_end(dossier_id)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def bump(self, dossier_id: int, old_version: int, new_version: int) -> None:
        """The dossier changed without touching its route (a claim): keep its workflow."""
        item = self._items.get(dossier_id)
        if item is not None and item[0] == old_version:
            self._items[dossier_id] = (new_version, item[1])

    def clear(self) -> None:
        self._items.clear()
