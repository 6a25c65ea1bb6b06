"""Every form a step lists in ``forms:`` is issued, exactly once, when a dossier walks its procedure's route."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from sqlalchemy import select

from engine import InvalidCommand
from engine.definitions import load_catalog
from engine.reports.issuing import SELF_ISSUED
from engine.simulate import Driver
from engine.storage.models import IssuedForm
from engine.units import units
from tests.data import OTHER_FIELDS
from tests.helpers import APPLICANT, WORKFLOWS, local
from tests.reports.mix import actor_for, desk

# Routes of the same shape (steps' kinds, roles, agencies, forms and outcomes) behave alike: by default one
# procedure per shape is walked (28 of the 137 routes today); MOTCUA_ALL_ROUTES=1 walks every one.
# The routes do not depend on the database: PostgreSQL walks the first few shapes only (its commands cost more here).
ALL = bool(os.environ.get("MOTCUA_ALL_ROUTES"))
LIMIT = {"sqlite": 1000, "postgresql": 8}


def shape(variant: Any) -> tuple[object, ...]:
    return tuple((s.kind, s.role, s.agency or "", tuple(s.forms), tuple(s.outcomes)) for s in variant.steps)


def test_each_listed_form_is_issued_once_along_every_route(commands, services, clock, database):
    # The catalogue's routes and the transcribed routes of other fields the test database also holds.
    catalog = load_catalog(WORKFLOWS, [WORKFLOWS / "procedures", OTHER_FIELDS])
    driver = Driver(commands, actor_for, claim=False)
    clock.set(local(2026, 3, 2, 8, 0))
    walked, listed, skipped = 0, Counter(), []
    seen: set[tuple[object, ...]] = set()
    for code, procedure in sorted(catalog.procedures.items()):
        for variant in procedure.variants:
            if not ALL and (shape(variant) in seen or len(seen) >= LIMIT[database.dialect.name]):
                continue
            seen.add(shape(variant))
            try:
                # a procedure naming a level (UBND cấp xã) goes to one commune of the list (engine/units.py)
                communes = units(None).competent(procedure.agency, clock.now().date())
                if communes is None:  # a chain with steps at a commune (2.000286): the commune chosen at receipt
                    levels = units(None).levels_of((s.agency for s in variant.steps), clock.now().date())
                    communes = units(None).competent(levels[0], clock.now().date()) if levels else None
                dossier = commands.receive(desk(procedure.agency), code, APPLICANT, procedure.channels[0], [],
                                           None, "", variant.id if procedure.has_variants else None,
                                           competent_agency=min(communes) if communes else None)
            except InvalidCommand as refused:  # not in force on the day (abolished, not yet effective)
                skipped.append((code, refused.message))
                continue
            dossier = driver.run(dossier)
            if dossier.status == "resolved":  # a route without a return step: the desk hands the result back
                dossier = commands.return_result(desk(dossier.receiving_agency_id), dossier.code)
            assert dossier.status == "returned", (code, variant.id, dossier.status)
            with services.sessions() as session:
                issued = Counter(session.execute(select(IssuedForm.form).where(IssuedForm.dossier_id == dossier.id)).scalars())
            expected = {form for step in variant.steps for form in step.forms}
            for form in expected:
                assert issued[form] == 1, (code, variant.id, form, dict(issued))
                listed[form] += 1
            assert issued["control_slip"] == 1, (code, dict(issued))
            assert set(issued) <= expected | SELF_ISSUED | {"control_slip"}, (code, dict(issued))
            walked += 1
    assert walked >= (100 if ALL else min(20, LIMIT[database.dialect.name])) and len(skipped) < 10, skipped
    assert {"receipt", "result"} <= set(listed) and (database.dialect.name != "sqlite" or "transfer_note" in listed), listed
