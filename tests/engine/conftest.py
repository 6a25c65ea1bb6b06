"""Fixtures of the engine tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete

from engine import Services
from engine.storage.accounts import User, upsert_user
from tests.helpers import AGENCY, DIVISION

# Staff accounts for the tests that need people, not only actors (the scheduler tells accounts).
PEOPLE = {
    "one_stop1": ("one_stop", None),
    "specialist1": ("specialist", DIVISION),
    "specialist2": ("specialist", DIVISION),
    "division_head1": ("division_head", DIVISION),
    "director1": ("director", None),
    "clerk1": ("clerk", None),
}


@pytest.fixture
def people(services: Services) -> Iterator[dict[str, tuple[str, str | None]]]:
    """The accounts of PEOPLE, and no other, for one test (removed afterwards: other tests expect no account rows)."""
    with services.sessions() as session:
        session.execute(delete(User))
        for user_id, (role, division) in PEOPLE.items():
            upsert_user(session, user_id, f"Cán bộ {user_id}", role, AGENCY, "x", services.now(), division)
        session.commit()
    yield PEOPLE
    with services.sessions() as session:
        session.execute(delete(User).where(User.id.in_(PEOPLE)))
        session.commit()
