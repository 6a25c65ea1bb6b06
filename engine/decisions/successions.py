"""Dossiers of abolished administrative units move to the units that succeeded them (the 2025 rearrangement).

On 1/7/2025 the district level ended and communes were merged (LEGAL.md §11). A dossier received by
an old commune or a district (each its own agency, engine/units.py) and still open then belongs to the
unit that took the territory over. The decision that ends the district level (a ``transfer`` from or to
a level agency, e.g. ``cb-ubnd-huyen`` → ``cb-ubnd-xa``) moves, besides the dossiers of the level
agency itself, those of every unit of that level whose list ended before its effective date:

* to the one successor the Statistics Office's conversion table names (workflows/units.yaml,
  ``successors``): ``Commands.transfer_competence``, audited, receipt and due times kept;
* nowhere when the table names several (the old commune was split; a district always covers several
  new communes) or none: the dossier waits at the old unit for a person to choose among the candidates
  (``move_to_successor``; ``motcua units pending`` lists them). Nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from ..audit import Actor
from ..errors import InvalidCommand
from ..lifecycle import CLOSED
from ..services import Services
from ..storage.models import Dossier
from ..units import Units, units
from .model import Decision, Operation


@dataclass(frozen=True)
class Waiting:
    """An open dossier of an abolished unit that needs a person to choose its successor."""

    code: str
    agency: str
    candidates: tuple[str, ...]


@dataclass
class Succession:
    moved: list[str] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)


def abolished(found: Units, op: Operation, day: date) -> list[str]:
    """The units of the op's levels (its ``from`` and ``to`` agencies) whose lists ended before ``day``."""
    ids: set[str] = set()
    for level in {op.from_agency, op.to_agency} - {None}:
        for unit_list in found.ended(str(level), day):
            ids |= set(unit_list.successors)
    return sorted(ids)


def basis(decision: Decision, found: Units, agency: str) -> str:
    source = found.source_of(agency)
    return f"{decision.label}: {decision.title}" + (f"; đơn vị kế thừa theo {source}" if source else "")


def run_successions(services: Services, decision: Decision, op: Operation, actor: Actor, effective: datetime) -> Succession:
    """Move the open dossiers of the op's abolished units to their one successor; list those that need a choice."""
    from ..commands import Commands

    found = units(services.settings.workflows_dir)
    out = Succession()
    ids = abolished(found, op, effective.date())
    if not ids:
        return out
    with services.sessions() as session:
        targets = session.execute(select(Dossier.code, Dossier.agency_id).where(
            Dossier.agency_id.in_(ids), Dossier.status.not_in(CLOSED)).order_by(Dossier.id)).all()
    commands = Commands(services)
    for code, agency in targets:
        candidates = found.successors(agency) or ()
        if len(candidates) != 1:
            out.waiting.append(Waiting(code, agency, candidates))
            continue
        commands.transfer_competence(actor, code, candidates[0], basis(decision, found, agency), effective=effective)
        out.moved.append(code)
    return out


def pending(services: Services) -> list[Waiting]:
    """Every open dossier still held by an abolished unit (one whose list has ended), with its candidates."""
    found = units(services.settings.workflows_dir)
    ids = sorted({unit for unit_list in found.lists for unit in unit_list.successors})
    if not ids:
        return []
    with services.sessions() as session:
        rows = session.execute(select(Dossier.code, Dossier.agency_id).where(
            Dossier.agency_id.in_(ids), Dossier.status.not_in(CLOSED)).order_by(Dossier.id)).all()
    return [Waiting(code, agency, found.successors(agency) or ()) for code, agency in rows]


def move_to_successor(services: Services, actor: Actor, code: str, to_agency: str, legal_basis: str) -> Dossier:
    """A person's choice for a dossier the table could not place: one of its unit's successors (any unit of the
    level's new list when the table names none), audited like the automatic move, receipt and due times kept."""
    from ..commands import Commands

    found = units(services.settings.workflows_dir)
    with services.sessions() as session:
        agency = session.execute(select(Dossier.agency_id).where(Dossier.code == code)).scalar_one_or_none()
    candidates = found.successors(agency) if agency else None
    if candidates is None:
        raise InvalidCommand(f"Hồ sơ {code} không thuộc đơn vị hành chính đã chấm dứt hoạt động (workflows/units.yaml).",
                             code=code)
    allowed = set(candidates) or {unit for unit_list in found.lists if unit_list.end is None
                                  and unit_list.stands_for.split("-")[0] == str(agency).split("-")[0] for unit in unit_list.ids}
    if to_agency not in allowed:
        raise InvalidCommand(
            f"'{to_agency}' không phải đơn vị kế thừa của {agency} (có: {', '.join(sorted(candidates)) or 'mọi xã, phường mới của tỉnh'}).",
            code=code, to_agency=to_agency)
    if not legal_basis.strip():
        raise InvalidCommand("Cần căn cứ (văn bản giao hồ sơ cho đơn vị kế thừa).", code=code)
    return Commands(services).transfer_competence(actor, code, to_agency, legal_basis.strip())


__all__ = ["Succession", "Waiting", "abolished", "move_to_successor", "pending", "run_successions"]
