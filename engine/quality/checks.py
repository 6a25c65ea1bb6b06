"""Running the conformance check and keeping its result: when a dossier closes (a worker-only
outbox message the status machine queues), on demand, and for a whole period (``motcua quality check``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..storage.models import Dossier
from ..vocabulary import CLOSED_STATUSES
from .conformance import Report, check_dossier
from .models import ConformanceCheck

HANDLER = "conformance"  # the outbox handler's name (handlers/quality.py)


def run(services: Any, session: Session, dossier: Dossier, trigger: str, now: datetime) -> Report:
    """Check ``dossier`` and store the result (the latest check replaces the previous one)."""
    report = check_dossier(services, session, dossier)
    row = session.get(ConformanceCheck, dossier.id)
    if row is None:
        row = ConformanceCheck(dossier_id=dossier.id)
        session.add(row)
    row.code, row.procedure_code, row.procedure_version_id = report.code, report.procedure_code, report.procedure_version_id
    row.agency_id, row.status, row.closed, row.closed_at = report.agency_id, report.status, report.closed, report.closed_at
    row.conforming, row.route_fits, row.fitness = report.conforming, report.route_fits, report.tokens.fitness
    row.deviations = [d.as_dict() for d in report.deviations]
    row.tokens = report.as_dict()["tokens"]
    row.checked_at, row.trigger = now, trigger
    return report


def run_code(services: Any, code: str, trigger: str = "demand") -> Report:
    """Check one dossier by its code now, in a transaction of its own."""
    from ..errors import NotFound

    with services.sessions() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
        if dossier is None:
            raise NotFound(f"Không có hồ sơ mã {code}.", code=code)
        report = run(services, session, dossier, trigger, services.now())
        session.commit()
    return report


def run_closed(services: Any, *, only_missing: bool = True, batch: int = 200) -> int:
    """Check every closed dossier (``only_missing``: those never checked); returns how many."""
    done = 0
    with services.sessions() as session:
        query = select(Dossier.id).where(Dossier.status.in_(CLOSED_STATUSES)).order_by(Dossier.id)
        if only_missing:
            query = query.where(~select(ConformanceCheck.dossier_id).where(ConformanceCheck.dossier_id == Dossier.id).exists())
        ids = list(session.execute(query).scalars())
    for chunk in _chunks(ids, batch):
        with services.sessions() as session:
            for dossier in session.execute(select(Dossier).where(Dossier.id.in_(chunk))).scalars():
                run(services, session, dossier, "close", services.now())
                done += 1
            session.commit()
    return done


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


run_conformance = run  # the engine's public name for handlers/ (engine/__init__.py)

__all__ = ["HANDLER", "run", "run_closed", "run_code", "run_conformance"]
