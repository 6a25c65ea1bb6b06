"""A seeded mix of dossiers driven through the real commands over several months.

Channels, incomplete and refused intakes, supplements, apologies, transfers of competence,
withdrawals, refusals after appraisal, slow (late) steps and dossiers left in progress, received
at any hour (after 17:00 too). Everything goes through ``engine.simulate.Driver`` and the commands.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine import Actor, Commands, DomainError, FixedClock
from engine.simulate import Driver, OpenStep
from tests.helpers import APPLICANT, local

# (procedure, agency it runs at): several fields and both levels.
# Cao Bằng: social protection (Sở Y tế), children (commune); Nghệ An: merit, labour, employment (Sở Nội vụ),
# vocational education (Sở GD&ĐT).
PROCEDURES = ("1.001806", "1.004946", "1.010803", "1.014318", "1.014199", "2.001959")
TRANSFER_TO = {"cb": "cb-so-noi-vu", "na": "na-so-gd-dt"}  # a transfer of competence stays in the dossier's province
COMMUNE = "cb-xa-01279"  # a ward of Cao Bằng since 1/7/2025: commune procedures name the one competent
# (intake roll, plan) of the first dossiers: supplement left waiting, supplement received, apology, withdrawal,
# refusal, transfer, left in progress, straight through, refused at intake, incomplete at intake.
FIRST = ((0.5, 0.0), (0.5, 0.01), (0.5, 0.1), (0.5, 0.15), (0.5, 0.2), (0.5, 0.26), (0.5, 0.35), (0.5, 0.9),
         (0.01, 0.9), (0.1, 0.9))
NAMES = ("Nguyễn Thị Hoa", "Trần Văn Đức", "Lê Thị Ánh", "Phạm Quốc Việt", "Hoàng Thị Thu")


def actor_for(step: OpenStep) -> Actor:
    if step.kind == "return":  # handing the result back is the desk's command, whoever the route names for it
        return desk(step.agency_id)
    return Actor(f"{step.role}@{step.agency_id}", step.role, step.agency_id, unit=step.division)


def desk(agency: str) -> Actor:
    return Actor(f"one_stop@{agency}", "one_stop", agency)


@dataclass
class Mix:
    commands: Commands
    clock: FixedClock
    agencies: dict[str, str]  # procedure -> its agency
    seed: int = 9
    start: datetime = local(2026, 1, 5, 8, 0)
    days: int = 110

    def run(self, n: int) -> dict[str, int]:
        rng = random.Random(self.seed)
        driver = Driver(self.commands, actor_for, claim=False)
        seen: dict[str, int] = {}
        for i in range(n):
            path = self.one(rng, driver, i)
            seen[path] = seen.get(path, 0) + 1
        return seen

    def at(self, moment: datetime) -> None:
        self.clock.set(moment)

    def later(self, rng: random.Random, low: float, high: float) -> None:
        self.clock.set(self.clock.now() + timedelta(hours=rng.uniform(low, high)))

    def one(self, rng: random.Random, driver: Driver, i: int) -> str:
        code = rng.choice(PROCEDURES)
        agency = self.agencies[code]
        day = self.start + timedelta(days=rng.randrange(self.days))
        self.at(day.replace(hour=rng.choice((7, 8, 9, 10, 14, 15, 16, 17, 18)), minute=rng.randrange(60)))
        channel = rng.choices(("direct", "online", "postal"), (6, 3, 1))[0]
        applicant = APPLICANT | {"name": rng.choice(NAMES), "id_number": f"0041{i:08d}"}
        roll = rng.random()
        plan = rng.random()
        if i < len(FIRST):  # the first dossiers take every path once, whatever the seed
            roll, plan = FIRST[i]
        c = self.commands
        where = {"competent_agency": COMMUNE} if agency == "cb-ubnd-xa" else {}
        if roll < 0.05:
            c.refuse_intake(desk(agency), code, applicant, ["Không thuộc thẩm quyền"], channel, **where)
            return "refused_intake"
        if roll < 0.12:
            dossier = c.request_supplement_at_intake(desk(agency), code, applicant, ["Tờ khai"], "Thiếu tờ khai", channel,
                                                    **where)
            if rng.random() < 0.3:
                return "incomplete_left"
            self.later(rng, 20, 200)
            dossier = c.receive_supplement(desk(agency), dossier.code, [])
        else:
            dossier = c.receive(desk(agency), code, applicant, channel, **where)
        steps = 0
        while True:
            step = driver.next_step(dossier)
            if step is None or dossier.status in ("returned", "stopped"):
                return "finished"
            self.later(rng, 1, 30 if rng.random() < 0.85 else 200)  # now and then a slow (late) step
            steps += 1
            try:
                if plan < 0.08 and steps == 2:
                    dossier = c.request_supplement(actor_for(step), dossier.code, ["Bản sao giấy tờ"], "Thiếu bản sao")
                    if rng.random() < 0.25 or i == 0:
                        return "awaiting_supplement"
                    self.later(rng, 10, 150)
                    dossier = c.receive_supplement(desk(step.agency_id), dossier.code, [])
                    continue
                if plan < 0.14 and steps == 2:
                    self.later(rng, 0, 5)
                    c.extend(Actor("director@" + step.agency_id, "director", step.agency_id), dossier.code,
                             (dossier.due_at or self.clock.now()) + timedelta(days=5), "Cần xác minh thêm")
                if 0.14 <= plan < 0.19 and steps == 2:
                    dossier = c.withdraw(desk(step.agency_id), dossier.code, "Công dân xin rút hồ sơ")
                    return "withdrawn"
                if 0.19 <= plan < 0.25 and steps == 3:
                    dossier = c.refuse(Actor("director@" + step.agency_id, "director", step.agency_id), dossier.code,
                                       ["Không đủ điều kiện"])
                    continue
                target = TRANSFER_TO[step.agency_id.split("-", 1)[0]]
                if 0.25 <= plan < 0.30 and steps == 2 and step.agency_id != target:
                    c.transfer_competence(Actor("admin", "administrator"), dossier.code, target,
                                          "Quyết định chuyển giao thẩm quyền (thử nghiệm)")
                    continue
                if 0.30 <= plan < 0.42 and steps == 3:
                    return "left_in_progress"
                dossier = driver.take(dossier, step)
            except DomainError as error:  # a move the rules refuse here (e.g. an apology too late): skip it
                self.refused = getattr(self, "refused", []) + [str(error)]
                dossier = driver.take(dossier, step)


def procedure_of(commands: Commands, agency: str) -> str:
    """A procedure of ``agency`` in the test database (the catalogue's, or a transcription in tests/data/other_fields)."""
    from engine.storage.models import ProcedureVersion

    with commands.s.sessions() as session:
        return str(session.query(ProcedureVersion.code).filter(ProcedureVersion.agency_id == agency)
                   .order_by(ProcedureVersion.code).limit(1).scalar())


def agencies_of(commands: Commands) -> dict[str, str]:
    from engine.storage.models import ProcedureVersion

    with commands.s.sessions() as session:
        rows = session.query(ProcedureVersion.code, ProcedureVersion.agency_id).filter(ProcedureVersion.code.in_(PROCEDURES))
        return {code: agency for code, agency in rows}
