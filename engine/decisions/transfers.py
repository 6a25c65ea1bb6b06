"""Moving the dossiers in progress of a transfer decision to the successor agency (audited, by the command)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from sqlalchemy import select

from ..audit import Actor
from ..lifecycle import CLOSED
from ..services import Services
from ..storage.decisions import DecisionRow
from ..storage.models import Dossier
from .model import Decision
from .successions import run_successions
from .timeline import Timeline

log = logging.getLogger(__name__)


def _local_today(services: Services) -> date:
    return services.now().astimezone(services.calendar.tz).date()


def run_transfers(services: Services, timeline: Timeline, decision: Decision, actor: Actor) -> list[str]:
    """Move the dossiers in progress of a transfer decision to the successor agency (audited)."""
    from ..commands import Commands

    commands = Commands(services)
    moved: list[str] = []
    basis = f"{decision.label}: {decision.title}"
    start = decision.effective or _local_today(services)
    effective = datetime.combine(start, time(0, 0), services.calendar.tz)
    for op in decision.operations:
        if op.kind != "transfer" or op.dossiers != "move":
            continue
        codes = [e.code for e in timeline.entries_of(decision) if e.op == "transfer" and e.from_agency == op.from_agency and e.agency == op.to_agency]
        with services.sessions() as session:
            query = select(Dossier.code).where(Dossier.agency_id == op.from_agency, Dossier.status.not_in(CLOSED))
            if op.codes or op.fields:
                query = query.where(Dossier.procedure_code.in_(codes))
            targets = list(session.execute(query.order_by(Dossier.id)).scalars())
        for code in targets:
            commands.transfer_competence(actor, code, op.to_agency, basis, effective=effective)
            moved.append(code)
        if not (op.codes or op.fields):  # a whole level's competence: its abolished units' dossiers too
            succession = run_successions(services, decision, op, actor, effective)
            moved += succession.moved
            for waiting in succession.waiting:
                log.warning("decision %s: dossier %s of the abolished unit %s waits for a successor to be chosen (%s)",
                            decision.id, waiting.code, waiting.agency, ", ".join(waiting.candidates) or "none named")
    with services.unit_of_work() as session:
        row = session.get(DecisionRow, decision.id)
        if row is not None:
            row.transfers_done_at = services.now()
    return moved


def run_due_transfers(services: Services, timeline: Timeline, actor: Actor) -> dict[str, list[str]]:
    """For applied decisions whose date has come, move the dossiers not moved yet."""
    today = _local_today(services)
    with services.sessions() as session:
        pending = list(session.execute(select(DecisionRow.id).where(DecisionRow.transfers_done_at.is_(None))).scalars())
    done: dict[str, list[str]] = {}
    for key in pending:
        decision = timeline.decision(key)
        if decision is None or (decision.effective is not None and decision.effective > today):
            continue
        done[decision.id] = run_transfers(services, timeline, decision, actor)
    return done
