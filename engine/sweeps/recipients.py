"""Who is told: the people holding a step, its division's head, the agency's director.

A step claimed by someone is theirs; an unclaimed step belongs to everyone who
may take it (its role at its agency, of its division when it has one, as the
access policy decides). Looked up once per (agency, role, division) in a sweep.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from ..storage.accounts import User
from ..vocabulary import Role

_USERS = User.__table__.c


class Directory:
    """Active staff by (agency, role, division), read on demand and kept for one sweep."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._cache: dict[tuple[str, str, str | None], list[str]] = {}

    def people(self, agency: str, role: str, division: str | None) -> list[str]:
        """Users of ``role`` at ``agency``; of ``division`` when given (falling back to the whole agency
        when nobody of that role is in the division)."""
        key = (agency, role, division)
        found = self._cache.get(key)
        if found is None:
            stmt = select(_USERS.id).where(_USERS.active.is_(True), _USERS.agency_id == agency, _USERS.role == role)
            found = list(self.conn.execute(stmt.where(_USERS.division == division) if division else stmt).scalars())
            if not found and division:
                found = list(self.conn.execute(stmt).scalars())
            self._cache[key] = sorted(found)
        return found

    def holders(self, agency: str, role: str, division: str | None, claimed_by: str | None) -> list[str]:
        """Who holds a step: its claimant, or everyone who may take it."""
        if claimed_by:
            return [claimed_by]
        return self.people(agency, role, division)

    def heads(self, agency: str, division: str | None) -> list[str]:
        return self.people(agency, Role.DIVISION_HEAD, division)

    def directors(self, agency: str) -> list[str]:
        return self.people(agency, Role.DIRECTOR, None)


def unique(*groups: list[str]) -> list[str]:
    out: list[str] = []
    for group in groups:
        out.extend(u for u in group if u not in out)
    return out


__all__ = ["Directory", "unique"]
