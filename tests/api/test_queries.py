"""engine/queries/: a fixed number of SQL statements whatever the number of rows (no N+1)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from engine import queries as q

from .test_rest import receive


@contextmanager
def counting(engine):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements(services, run) -> int:  # type: ignore[no-untyped-def]
    engine = services.sessions.kw["bind"]
    with services.sessions() as session, counting(engine) as seen:
        run(session)
    return len([s for s in seen if not s.strip().upper().startswith(("SELECT 1", "BEGIN", "ROLLBACK"))])


def test_lists_do_not_query_per_row(client, token, services, staff):  # type: ignore[no-untyped-def]
    actor = staff["division_head"]
    desk = staff["one_stop"]
    receive(client, token)
    small = {
        "dossiers": _statements(services, lambda s: q.dossiers(s, actor, now=services.now())),
        "inbox": _statements(services, lambda s: q.inbox(s, desk)),
    }
    codes = [receive(client, token)["code"] for _ in range(6)]
    assert _statements(services, lambda s: q.dossiers(s, actor, now=services.now())) == small["dossiers"]
    assert _statements(services, lambda s: q.inbox(s, desk)) == small["inbox"] == 1
    with services.sessions() as session:
        assert len(q.inbox(session, desk).items) == 7
    assert _statements(services, lambda s: q.dossier_detail(s, actor, codes[0])) <= 6
