"""Staff search reads the facts first, in chunks, when a code, name, ID number or phone is given: the result is
the same as one query over the dossiers the actor may see (newest first, at most the limit), on both databases."""

from __future__ import annotations

from datetime import timedelta

from engine import Actor
from engine.reports import search as staff_search
from engine.reports.search import Criteria, search, search_page
from tests.helpers import APPLICANT, TZ, local
from tests.reports.mix import desk, procedure_of


def test_chunks_give_the_newest_visible_dossiers(commands, services, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    other = procedure_of(commands, "cb-so-noi-vu")
    person = APPLICANT | {"name": "Quách Văn Khối", "phone": "0977000111"}
    mine = []
    clock.set(local(2026, 2, 2, 8, 0))
    for i in range(9):  # every third one at Sở Nội vụ: not the Sở Y tế director's to see
        clock.set(clock.now() + timedelta(hours=3))
        if i % 3 == 2:
            commands.receive(desk("cb-so-noi-vu"), other, person, "direct")
        else:
            mine.append(commands.receive(desk("cb-so-y-te"), "1.001806", person, "direct").code)
    director = Actor("dir", "director", "cb-so-y-te")
    monkeypatch.setattr(staff_search, "MIN_CHUNK", 2)  # chunks of 2 facts: most hold a hidden dossier
    with services.sessions() as session:
        conn = session.connection()
        for criteria in (Criteria(name="quach van khoi"), Criteria(phone="0977000111"), Criteria(name="KHỐI", status="received")):
            for limit in (1, 3, 5, 10):
                got = [r["code"] for r in search(conn, director, criteria, TZ, limit=limit)]
                assert got == list(reversed(mine))[:limit], (criteria, limit)
        assert search(conn, director, Criteria(name="khong ai ten nay"), TZ) == []
        everyone = search(conn, Actor("admin", "administrator", None), Criteria(name="khoi"), TZ, limit=4)
        assert len(everyone) == 4
        for criteria in (Criteria(name="quach van khoi"), Criteria(procedure="1.001806", status="received")):
            page = search_page(conn, director, criteria, TZ, per_page=2)
            assert page.total == 6 and page.total_exact and [r["code"] for r in page.items] == list(reversed(mine))[:2]
        monkeypatch.setattr(staff_search, "COUNT_CAP", 3)
        # counted up to 4 in chunks of 8 facts: the Sở Nội vụ director sees 3 of the newest 8, so a second chunk is read
        theirs = search_page(conn, Actor("dir2", "director", "cb-so-noi-vu"), Criteria(name="quach van khoi"), TZ, per_page=2)
        assert theirs.total == 3 and theirs.total_exact and len(theirs.items) == 2 and theirs.next
        capped = search_page(conn, director, Criteria(name="quach van khoi"), TZ, per_page=2)
        assert capped.total == 3 and not capped.total_exact
        later = search_page(conn, director, Criteria(name="quach van khoi"), TZ, page=3, per_page=2,
                            after=search_page(conn, director, Criteria(name="quach van khoi"), TZ, page=2, per_page=2,
                                              after=capped.next).next)
        assert [r["code"] for r in later.items] == list(reversed(mine))[4:] and later.next is None and later.prev
