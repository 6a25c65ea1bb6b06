"""The words the engine stores: statuses, task states, step kinds, roles, channels.

Each is a ``StrEnum``: its members are the very strings stored in the database
and sent in the API (``Status.RECEIVED == "received"``), so rows, JSON and
older code read the same. Their Vietnamese labels live in ``engine.labels``.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A dossier's statutory status (LEGAL.md §6; the national portal's numbering in ``labels``)."""

    REGISTERED = "registered"
    RECEIVED = "received"
    NOT_RECEIVED = "not_received"
    PROCESSING = "processing"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    AWAITING_PAYMENT = "awaiting_payment"
    WITHDRAWAL_REQUESTED = "withdrawal_requested"
    STOPPED = "stopped"
    RESOLVED = "resolved"
    RETURNED = "returned"
    # Closed for want of the supplement within the waiting period (LEGAL.md §4 "đóng hồ sơ"): not a refusal.
    CLOSED = "closed"


# A dossier still in the agency's hands, and one that is finished for good.
OPEN_STATUSES = (
    Status.REGISTERED, Status.RECEIVED, Status.PROCESSING, Status.AWAITING_SUPPLEMENT,
    Status.AWAITING_PAYMENT, Status.WITHDRAWAL_REQUESTED,
)
CLOSED_STATUSES = (Status.NOT_RECEIVED, Status.STOPPED, Status.RETURNED, Status.CLOSED)
# Statuses in which work on the route goes on (a step may be completed).
WORKING_STATUSES = (Status.RECEIVED, Status.PROCESSING, Status.RESOLVED)


class TaskState(StrEnum):
    OPEN = "open"
    WAITING = "waiting"  # the dossier awaits a supplement: the step is held
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# A task that is not finished: open, or held while the applicant supplements.
ACTIVE_TASK_STATES = (TaskState.OPEN, TaskState.WAITING)


class StepKind(StrEnum):
    INTAKE = "intake"  # the one-stop desk's reception (15:00 transfer rule)
    TASK = "task"
    RETURN = "return"  # the desk hands the result back


class Role(StrEnum):
    ONE_STOP = "one_stop"
    SPECIALIST = "specialist"
    DIVISION_HEAD = "division_head"
    DIRECTOR = "director"
    CLERK = "clerk"
    QUALITY_OFFICER = "quality_officer"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"
    SYSTEM = "system"  # the engine itself (scheduler, decisions): never a login


class Channel(StrEnum):
    DIRECT = "direct"
    POSTAL = "postal"
    ONLINE = "online"


class Timeliness(StrEnum):
    """II.06a classification of a finished step or dossier."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


class Result(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"


__all__ = [
    "ACTIVE_TASK_STATES", "CLOSED_STATUSES", "OPEN_STATUSES", "WORKING_STATUSES", "Channel", "Result", "Role",
    "Status", "StepKind", "TaskState", "Timeliness",
]
