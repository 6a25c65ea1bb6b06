"""The dossier page: its data, the steps I may take, the actions offered, the timeline, the route diagram.

What I may do is the access policy's answer (``engine.policy``); what each
audit event says is its kind's own description (``engine.events``).
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from flask import Response, render_template

from engine import Forbidden, events, policy
from engine import queries as q
from engine.commands.acting import acting_until_of, with_grants
from engine.definitions import SUPPLEMENT_OUTCOME
from engine.labels import role_label
from engine.queries.workload import workload
from engine.vocabulary import ACTIVE_TASK_STATES, Role, StepKind, TaskState

from .. import present
from ..auth import actor, login_required
from ..context import now, services, tz
from .base import bp


def _step_of(procedure: Any, step_id: str) -> Any:
    try:
        return procedure.step(step_id)
    except KeyError:
        return None


@bp.get("/dossiers/<code>")
@login_required
def dossier(code: str) -> Any:
    me = actor()
    moment = now()
    with services().sessions() as session:
        detail = q.dossier_detail(session, me, code)
        me = with_grants(session, me, moment)  # an administrator's "act as" on this dossier (engine.commands.acting)
        acting_until = acting_until_of(session, me, detail["code"], moment)
        procedure = services().version(session, detail["procedure_version_id"]).procedure
        active = [t for t in detail["tasks"] if t["state"] in ACTIVE_TASK_STATES]
        assignable, specialists = _assignment_choices(session, me, active)
    steps = {t["id"]: _step_of(procedure, t["step_id"]) for t in active}
    variant_name = next((v.name for v in procedure.variants if v.id and v.id == detail["variant"]), None)
    actionable = []
    for task in detail["tasks"]:
        if task["state"] != TaskState.OPEN or task["claimed_by"] not in (None, me.id):
            continue
        if policy.may_take_step(me, SimpleNamespace(**task), services().division_name, detail["code"]):
            actionable.append({"task": task, "step": steps.get(task["id"])})
    can = policy.allowed_actions(me, SimpleNamespace(**detail), [(t["agency_id"], t["division"]) for t in active],
                                 services().division_name,
                                 actionable_return=any(a["task"]["kind"] == StepKind.RETURN for a in actionable))
    context = events.Context(steps={s.id: s.name for s in procedure.steps},
                             checks={c.id: c.label for s in procedure.steps for c in s.checkpoints}, local=_iso_local)
    timeline = [_describe(e, context) for e in detail["events"]]
    left = present.dossier_time_left(detail["status"], detail["due_at"], moment, services().calendar)
    for task in detail["tasks"]:
        task["left"] = present.task_time_left(task["state"], task["due_at"], moment, services().calendar)
    return render_template("dossier.html", d=detail, actionable=actionable, can=can, timeline=timeline, left=left,
                           current_steps=[t["step_id"] for t in active],
                           done_steps=[t["step_id"] for t in detail["tasks"] if t["state"] == TaskState.COMPLETED],
                           supplement=SUPPLEMENT_OUTCOME, variant_name=variant_name, now=moment, tz=tz(),
                           acting_until=acting_until, assignable=assignable, specialists=specialists)


def _assignment_choices(session: Any, me: Any, active: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Open steps ``me`` may give to someone else (with the people who may take each and their
    workload), and the division's specialists for a "phân công" step ``me`` is completing."""
    assignable = []
    specialists: list[dict[str, Any]] = []
    for task in active:
        if task["state"] != TaskState.OPEN:
            continue
        if task["role"] == me.role:
            if me.role == Role.DIVISION_HEAD and task["step_id"].endswith("assign"):
                specialists = workload(session, task["agency_id"], Role.SPECIALIST, task["division"] or me.unit)
            continue
        try:
            policy.check_assign(me, SimpleNamespace(**task), services().division_name)
        except Forbidden:
            continue
        assignable.append({"task": task, "people": workload(session, task["agency_id"], task["role"], task["division"])})
    return assignable, specialists


@bp.get("/dossiers/<code>/bpmn.xml")
@login_required
def dossier_bpmn(code: str) -> Any:
    with services().sessions() as session:
        dossier = q.visible_dossier(session, actor(), code)
        xml = q.procedure_bpmn(session, dossier.procedure_version_id)
    return Response(xml, mimetype="application/xml")


def _describe(event: dict[str, Any], context: events.Context) -> dict[str, Any]:
    """One line of the timeline: who, when, what, in Vietnamese."""
    action = event["action"]
    return {"at": event["at"], "who": event["actor_name"] or event["actor"], "role": role_label(event["role"]),
            "what": events.label(action), "details": events.describe(action, event["before"], event["after"], context),
            "action": action}


def _iso_local(value: Any) -> str:
    if not value:
        return "—"
    try:
        return present.local(datetime.fromisoformat(str(value).replace("Z", "+00:00")), tz())
    except ValueError:
        return str(value)
