"""`audit verify` catches each tampering of the issue's probe, on SQLite and PostgreSQL.

Each test builds a small real history through the commands (dossiers driven along their
route, a decision on the ``system`` chain), publishes a signed tree head, then tampers the
database as an administrator with write access would — recomputing hashes so the chains
alone look sound — and checks that the right check names it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from engine import SYSTEM
from engine.audit import SYSTEM_CHAIN, compute_hash, record
from engine.quality import anchor, heads, integrity, merkle
from engine.queries.dossiers import events as dossier_events
from engine.simulate import Driver
from engine.storage.models import AuditEvent, AuditLeaf, Dossier, IssuedForm, OutboxMessage, Task
from tests.helpers import APPLICANT, load, local


@pytest.fixture
def folder(tmp_path):
    heads.ensure_key(tmp_path)
    return tmp_path


@pytest.fixture
def world(services, commands, staff, folder, clock):
    """Three dossiers (one returned, one half-way, one just received), two system events, a published head."""
    driver = Driver(commands, staff)
    done = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT))
    half = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT | {"name": "Trần Văn Bình"}), steps=2)
    fresh = commands.receive(staff["one_stop"], "1.001806", APPLICANT | {"name": "Lê Thị Cúc"})
    with services.sessions() as session:
        for n in (1, 2):
            record(session, None, SYSTEM, "decision.published", {}, {"decision": f"QĐ-{n}", "number": str(n)}, clock.now())
        session.commit()
        anchor.publish(session, folder, clock.now())
        assert _problems(session, folder) == []
    return {"done": done, "half": half, "fresh": fresh}


def _problems(session, folder):  # type: ignore[no-untyped-def]
    return [p for p in integrity.verify(session, folder) if p.broken]


def _rehash(session, chain):  # type: ignore[no-untyped-def]
    """What a careful forger does after changing a chain: renumber, relink and rehash it, and fix the dossier's head."""
    events = session.execute(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)).scalars().all()
    prev = ""
    for seq, event in enumerate(events, start=1):
        event.seq, event.prev_hash = seq, prev
        event.hash = prev = compute_hash(event)
    session.execute(update(Dossier).where(Dossier.code == chain).values(audit_seq=len(events), audit_head=prev))
    session.flush()


def _events(session, chain):  # type: ignore[no-untyped-def]
    return session.execute(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)).scalars().all()


def test_untouched_log_passes_and_grows(services, commands, staff, world, folder, clock):
    """A sound log passes; new events after the head are checked by their chains and join the next head."""
    commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    with services.sessions() as session:
        assert _problems(session, folder) == []
        first = heads.read(folder / heads.HEAD_FILE)
        second = anchor.publish(session, folder, clock.now() + timedelta(hours=1)).head
        assert second.tree_size > first.tree_size and second.signature_valid()
        proof = anchor.consistency(session, first, second)
        assert merkle.verify_consistency(first.tree_size, second.tree_size, bytes.fromhex(first.root_hash),
                                         bytes.fromhex(second.root_hash), [bytes.fromhex(p) for p in proof["consistency_path"]])
        event_id = session.execute(select(AuditEvent.id).order_by(AuditEvent.id).limit(1)).scalar_one()
        inc = anchor.inclusion(session, event_id, second)
        leaf = merkle.leaf_hash(inc["leaf_data"].encode("utf-8"))
        assert leaf.hex() == inc["leaf_hash"]
        assert merkle.verify_inclusion(inc["leaf_index"], inc["tree_size"], leaf,
                                       [bytes.fromhex(p) for p in inc["audit_path"]], bytes.fromhex(second.root_hash))
        assert [h.tree_size for h in anchor.published_heads(folder)] == [first.tree_size, second.tree_size]
        assert _problems(session, folder) == []


def test_edited_event_with_chain_and_head_recomputed(services, world, folder):
    code = world["done"].code
    with services.sessions() as session:
        target = _events(session, code)[3]
        target.actor = "director1"
        _rehash(session, code)
        session.commit()
        problems = _problems(session, folder)
    assert [p.check for p in problems] == ["tree"], problems
    assert problems[0].event_id == target.id and "đã bị sửa" in problems[0].message


def test_deleted_event_with_renumbering(services, world, folder):
    code = world["done"].code
    with services.sessions() as session:
        target = _events(session, code)[2]
        session.delete(target)
        session.flush()
        _rehash(session, code)
        session.commit()
        problems = _problems(session, folder)
    assert [p.check for p in problems] == ["tree"], problems
    assert problems[0].event_id == target.id and "đã bị xóa" in problems[0].message


def test_deleted_event_with_its_tree_row_renumbered_too(services, world, folder):
    """The forger also removes the event's leaf and renumbers the tree: the leaves no longer match the head."""
    code = world["done"].code
    with services.sessions() as session:
        target = _events(session, code)[2]
        position = session.execute(select(AuditLeaf.position).where(AuditLeaf.event_id == target.id)).scalar_one()
        session.delete(target)
        session.execute(delete(AuditLeaf).where(AuditLeaf.event_id == target.id))
        for leaf in session.execute(select(AuditLeaf).where(AuditLeaf.position > position).order_by(AuditLeaf.position)).scalars():
            leaf.position -= 1
            session.flush()
        _rehash(session, code)
        session.commit()
        problems = _problems(session, folder)
    assert [p.check for p in problems][:1] == ["tree"], problems
    assert problems[0].message.startswith("Sự kiện #") and f"(vị trí {position})" in problems[0].message


def test_whole_dossier_deleted_with_its_chain(services, world, folder):
    dossier = world["half"]
    with services.sessions() as session:
        ids = [e.id for e in _events(session, dossier.code)]
        for model in (IssuedForm, OutboxMessage, Task):
            session.execute(delete(model).where(model.dossier_id == dossier.id))
        session.execute(delete(AuditEvent).where(AuditEvent.chain == dossier.code))
        session.execute(delete(Dossier).where(Dossier.id == dossier.id))
        session.commit()
        problems = _problems(session, folder)
    assert [p.check for p in problems] == ["tree"], problems
    assert problems[0].event_id == ids[0] and "đã bị xóa" in problems[0].message


def test_chain_wiped_and_audit_seq_reset(services, world, folder):
    dossier = world["fresh"]
    with services.sessions() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.chain == dossier.code))
        session.execute(update(Dossier).where(Dossier.id == dossier.id).values(audit_seq=0, audit_head=""))
        session.commit()
        problems = _problems(session, folder)
    chain = [p for p in problems if p.check == "chain"]
    assert len(chain) == 1 and dossier.code in chain[0].message and "không có sự kiện nào" in chain[0].message
    assert any(p.check == "tree" and "đã bị xóa" in p.message for p in problems)


@pytest.mark.parametrize(("column", "value", "label"), [
    ("result", "refused", "kết quả"),
    ("due_at", local(2027, 1, 1, 17, 0), "hạn trả kết quả"),
    ("applicant", {"name": "Người khác", "id_number": "001"}, "người nộp hồ sơ"),
    ("agency_id", "cb-so-noi-vu", "cơ quan giải quyết"),
])
def test_dossier_row_edited_without_an_event(services, world, folder, column, value, label):
    """No event explains the change: the replay of the dossier's chain differs from its row."""
    code = world["done"].code
    with services.sessions() as session:
        session.execute(update(Dossier).where(Dossier.code == code).values({column: value}))
        session.commit()
        problems = _problems(session, folder)
    assert [p.check for p in problems] == ["replay"], problems
    assert code in problems[0].message and label in problems[0].message


def test_cut_tail_of_the_system_chain(services, world, folder):
    with services.sessions() as session:
        last = _events(session, SYSTEM_CHAIN)[-1]
        session.delete(last)
        session.commit()
        problems = _problems(session, folder)
    assert [p.check for p in problems] == ["tree"], problems
    assert problems[0].event_id == last.id and "đã bị xóa" in problems[0].message


def test_forged_event_under_a_made_up_chain(services, world, folder, clock):
    """An event with the victim's dossier_id in a chain of its own: sound by itself, and not the dossier's."""
    victim = load(services, world["half"].code)
    with services.sessions() as session:
        row = {"chain": "ZZ-forged", "seq": 1, "dossier_id": victim.id, "at": clock.now(), "actor": "director1",
               "role": "director", "action": "status.resolve", "before": {"status": "processing"},
               "after": {"status": "resolved", "result": "approved"}, "prev_hash": ""}
        row["hash"] = compute_hash(row)
        session.add(AuditEvent(**row))
        session.commit()
        forged = session.execute(select(AuditEvent.id).where(AuditEvent.chain == "ZZ-forged")).scalar_one()
        problems = _problems(session, folder)
    assert problems and all(p.check == "chain" for p in problems), problems
    assert any(p.event_id == forged and f"hồ sơ #{victim.id}" in p.message for p in problems)
    with services.sessions() as session:  # nor does the dossier's timeline show it as the director's act
        assert "director1" not in [e["actor"] for e in dossier_events(session, victim.id)]


def test_forged_head_and_other_key(services, world, folder, tmp_path_factory):
    """A head whose root was changed fails its signature; a head signed by another key is not this log's."""
    path = folder / heads.HEAD_FILE
    good = path.read_text()
    path.write_text(good.replace(heads.read(path).root_hash, "00" * 32))
    with services.sessions() as session:
        assert "Chữ ký" in _problems(session, folder)[0].message
        other = tmp_path_factory.mktemp("other")
        heads.ensure_key(other)
        head = heads.read(folder / heads.HEAD_FILE)
        forged = heads.sign(heads.load_key(other), head.tree_size, head.root_hash, head.timestamp)
        path.write_text(forged.to_json())
        assert "khóa khác" in _problems(session, folder)[0].message
        path.write_text(good)
        assert _problems(session, folder) == []


def test_publish_refuses_a_rewritten_log(services, world, folder):
    code = world["done"].code
    with services.sessions() as session:
        _events(session, code)[1].actor = "someone"
        _rehash(session, code)
        session.commit()
        with pytest.raises(heads.HeadError, match="Không công bố"):
            anchor.publish(session, folder)
