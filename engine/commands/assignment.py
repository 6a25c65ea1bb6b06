"""Assignment (phân công): a division head gives an open step to one of the division's people.

At the "phân công" step the head completes the step naming the specialist
(``CompleteStep(..., assignee=...)``): the step that follows is theirs. Later the
head may give an open step to someone else (``AssignStep``): audited, with who
held it before.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import policy
from ..errors import InvalidCommand
from ..events import TASK_ASSIGNED
from ..labels import role_label
from ..storage.accounts import User
from ..storage.models import Dossier, Task
from .base import Command, handles
from .kernel import Kernel


@dataclass(frozen=True)
class AssignStep(Command):
    """Give an open step to ``assignee`` (again: a reassignment). By the step's division head or director."""

    task_id: int
    assignee: str
    note: str = ""


def check_assignee(k: Kernel, task: Task, assignee: str) -> None:
    """Raise InvalidCommand unless ``assignee`` is an active account who may take ``task``."""
    user = k.session.execute(select(User).where(User.id == assignee)).scalar_one_or_none()
    if user is None or not user.active:
        raise InvalidCommand(f"Không có cán bộ đang hoạt động với tên đăng nhập '{assignee}'.", assignee=assignee)
    if not policy.may_take_step(user.actor(), task, k.s.division_name):
        division = k.s.division_name(task.agency_id, task.division) if task.division else None
        raise InvalidCommand(
            f"Không phân công được cho {user.name}: bước '{task.name}' dành cho {role_label(task.role)}"
            + (f" của {division}" if division else f" của cơ quan {task.agency_id}") + ".",
            assignee=assignee,
        )


def give(k: Kernel, dossier: Dossier, task: Task, assignee: str, note: str = "") -> None:
    """Record ``task`` as ``assignee``'s (checked by the caller), audited with who held it before."""
    previous = task.claimed_by
    task.claimed_by, task.claimed_at = assignee, k.now
    k.record(dossier, TASK_ASSIGNED, {"task": task.id, "claimed_by": previous},
             {"task": task.id, "step": task.step_id, "assignee": assignee, "previous": previous, "note": note or None})


@handles(AssignStep, "assign_step")
def assign_step(cmd: AssignStep, k: Kernel) -> Task:
    task, dossier = k.task(cmd.task_id, right="assign")
    if task.claimed_by == cmd.assignee:
        return task
    check_assignee(k, task, cmd.assignee)
    give(k, dossier, task, cmd.assignee, cmd.note)
    return task


__all__ = ["AssignStep", "assign_step", "check_assignee", "give"]
