"""Storage guarantees: optimistic locking, the audit chain, the outbox — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text, update

import engine.route as route_module
from engine import Commands, Conflict, Services, dispatch_pending
from engine.audit import verify
from engine.outbox import HANDLERS
from engine.storage.db import session_factory
from engine.storage.models import AuditEvent, Dossier, IssuedForm, OutboxMessage
from tests.helpers import APPLICANT, INTAKE_CHECKS, load, only_task


def second_services(services: Services) -> Services:
    """Another 'process' on the same database: its own engine, pool and caches."""
    from engine.storage.db import make_engine

    url = services.sessions.kw["bind"].url.render_as_string(hide_password=False)
    return Services(session_factory(make_engine(url)), services.calendar, services.clock, services.settings)


def side_by_side(runners: dict[str, Commands], act) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Run ``act(name, commands)`` in one thread per runner; each result or the exception it raised."""
    results: dict[str, object] = {}

    def run(name: str, cmd: Commands) -> None:
        try:
            results[name] = act(name, cmd)
        except Exception as exc:  # noqa: BLE001
            results[name] = exc

    threads = [threading.Thread(target=run, args=item) for item in runners.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_completion_one_wins(services, commands, staff, monkeypatch):
    """Two processes complete the same step at the same moment: exactly one succeeds."""
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    task = only_task(services, dossier.id, "intake")
    other = Commands(second_services(services))
    both_loaded = threading.Barrier(2, timeout=20)
    real_complete = route_module.complete

    def complete_after_both_loaded(workflow, step_id, outcome):  # type: ignore[no-untyped-def]
        both_loaded.wait()  # both commands have read the dossier at the same version
        real_complete(workflow, step_id, outcome)

    monkeypatch.setattr(route_module, "complete", complete_after_both_loaded)
    results = side_by_side({"a": commands, "b": other}, lambda name, cmd: cmd.complete(staff["one_stop"], task.id, None, INTAKE_CHECKS))
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["Conflict", "Dossier"], results
    loser = next(r for r in results.values() if isinstance(r, Conflict))
    assert "người khác" in loser.message
    # the winner's change is whole, the loser's left nothing
    after = load(services, dossier.code)
    assert after.status == "processing"
    with services.sessions() as session:
        completed = session.execute(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id, AuditEvent.action == "step.completed")).scalars().all()
        assert len(completed) == 1
        assert list(verify(session)) == []
    only_task(services, dossier.id, "assign")


def test_stale_expected_version(services, commands, staff):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    task = only_task(services, dossier.id, "intake")
    shown = load(services, dossier.code).version
    commands.claim(staff["one_stop"], task.id)  # the dossier moved on since it was shown
    with pytest.raises(Conflict, match="đã thay đổi"):
        commands.complete(staff["one_stop"], task.id, None, INTAKE_CHECKS, expected_version=shown)


def test_completing_a_completed_step_is_a_conflict(services, commands, staff):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    task = only_task(services, dossier.id, "intake")
    commands.complete(staff["one_stop"], task.id, None, INTAKE_CHECKS)
    with pytest.raises(Conflict, match="đã được one_stop1 hoàn thành"):
        commands.complete(staff["one_stop"], task.id, None, INTAKE_CHECKS)


def test_audit_verify_detects_edit(services, commands, staff):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    task = only_task(services, dossier.id, "intake")
    commands.complete(staff["one_stop"], task.id, None, INTAKE_CHECKS)
    with services.sessions() as session:
        assert list(verify(session)) == []
        events = session.execute(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id).order_by(AuditEvent.seq)).scalars().all()
        target = events[2]
        session.execute(update(AuditEvent).where(AuditEvent.id == target.id).values(actor="someone_else"))
        session.commit()
        breaks = list(verify(session))
    assert len(breaks) == 1
    assert breaks[0].event_id == target.id and "nội dung đã bị sửa" in breaks[0].reason


def test_audit_verify_detects_removed_last_event(services, commands, staff):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    with services.sessions() as session:
        last = session.execute(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id).order_by(AuditEvent.seq.desc())).scalars().first()
        session.delete(last)
        session.commit()
        breaks = list(verify(session))
    assert len(breaks) == 1 and breaks[0].chain == dossier.code and "bị xóa" in breaks[0].reason


def test_audit_cli_verify(services, commands, staff, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from api import create_app
    from api.cli import cli

    commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    app = create_app({"AUDIT_DIR": str(tmp_path)}, services=services)
    runner = CliRunner()
    result = runner.invoke(cli, ["audit", "verify"], obj=_script_info(app))
    assert result.exit_code == 0, result.output
    with services.sessions() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(after={"forged": True}))
        session.commit()
    result = runner.invoke(cli, ["audit", "verify"], obj=_script_info(app))
    assert result.exit_code == 1 and "hash không khớp" in result.output


def _script_info(app):  # type: ignore[no-untyped-def]
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_outbox_exactly_once_across_a_crash(services, commands, staff, monkeypatch):
    """The process dies after the commit: the side effect still happens, once."""
    services.settings.dispatch_outbox = False  # commit, then "crash" before handling
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    real = HANDLERS["receipt"]
    calls = {"n": 0}

    def dies_halfway(ctx, message):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        real(ctx, message)  # writes the form row…
        raise RuntimeError("process killed")  # …and dies before commit

    monkeypatch.setitem(HANDLERS, "receipt", dies_halfway)
    assert dispatch_pending(services) == 1
    with services.sessions() as session:
        assert session.execute(select(IssuedForm).where(IssuedForm.dossier_id == dossier.id)).first() is None
        message = session.execute(select(OutboxMessage).where(OutboxMessage.dossier_id == dossier.id)).scalar_one()
        assert message.processed_at is None and message.attempts == 1 and "process killed" in message.last_error
        message.available_at = services.now()  # skip the back-off
        session.commit()
    monkeypatch.setitem(HANDLERS, "receipt", real)
    assert dispatch_pending(services) == 1
    assert dispatch_pending(services) == 0  # nothing left: never twice
    with services.sessions() as session:
        issued = session.execute(select(IssuedForm).where(IssuedForm.dossier_id == dossier.id)).scalars().all()
    assert len(issued) == 1 and issued[0].form == "receipt"


def test_two_workers_do_not_double_handle(services, commands, staff):
    services.settings.dispatch_outbox = False
    for _ in range(5):
        commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    other = second_services(services)
    threads = [threading.Thread(target=dispatch_pending, args=(s,)) for s in (services, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with services.sessions() as session:
        assert session.execute(text("SELECT COUNT(*) FROM issued_forms")).scalar_one() == 5
        assert session.execute(text("SELECT COUNT(*) FROM outbox WHERE processed_at IS NULL")).scalar_one() == 0
        numbers = sorted(session.execute(select(IssuedForm.number)).scalars())
    assert len(set(numbers)) == 5


def test_failed_command_writes_nothing(services, commands, staff, monkeypatch):
    """A failure after some rows were written rolls everything back."""
    import engine.commands.kernel as commands_module

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(commands_module.route, "start", boom)
    with pytest.raises(RuntimeError):
        commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    with services.sessions() as session:
        assert session.execute(select(Dossier)).first() is None
        assert session.execute(select(AuditEvent)).first() is None
        assert session.execute(select(OutboxMessage)).first() is None


def test_concurrent_claims_one_wins(services, commands, staff, monkeypatch):
    """Two officers claim the same task at the same moment: one gets it, the other a conflict."""
    import engine.commands.kernel as commands_module
    from engine import Actor

    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    task = only_task(services, dossier.id, "intake")
    other = Commands(second_services(services))
    both_read = threading.Barrier(2, timeout=20)
    real_record = commands_module.record

    def record_after_both_read(*args, **kwargs):  # type: ignore[no-untyped-def]
        both_read.wait()
        return real_record(*args, **kwargs)

    monkeypatch.setattr(commands_module, "record", record_after_both_read)
    people = {"a": Actor("motcua_a", "one_stop", "cb-so-y-te"), "b": Actor("motcua_b", "one_stop", "cb-so-y-te")}
    results = side_by_side({"a": commands, "b": other}, lambda name, cmd: cmd.claim(people[name], task.id).claimed_by)
    winners = [v for v in results.values() if isinstance(v, str)]
    assert len(winners) == 1 and isinstance(next(v for v in results.values() if not isinstance(v, str)), Conflict), results
    assert only_task(services, dossier.id, "intake").claimed_by == winners[0]
    with services.sessions() as session:
        claims = session.execute(select(AuditEvent).where(AuditEvent.action == "task.claimed")).scalars().all()
        assert [c.actor for c in claims] == winners
        assert list(verify(session)) == []


def test_audit_verify_detects_deleted_chain(services, commands, staff):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    with services.sessions() as session:
        session.execute(AuditEvent.__table__.delete().where(AuditEvent.dossier_id == dossier.id))
        session.commit()
        breaks = list(verify(session))
    assert [(b.chain, b.event_id) for b in breaks] == [(dossier.code, None)] and "toàn bộ" in breaks[0].reason


def test_scheduler_jobs(services, commands, staff):
    from engine.scheduler import DAILY_LOCK, build, leader, run_daily
    from tests.helpers import WORKFLOWS

    services.settings.dispatch_outbox = False
    commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    scheduler = build(services, WORKFLOWS, outbox_seconds=1)
    assert {job.id for job in scheduler.get_jobs()} == {"outbox", "sweep", "digest", "daily", "step_stats"}
    outbox_job = scheduler.get_job("outbox")
    outbox_job.func(*outbox_job.args)  # what the interval trigger runs
    with services.sessions() as session:
        assert session.execute(text("SELECT COUNT(*) FROM issued_forms")).scalar_one() == 1
    assert run_daily(services, WORKFLOWS) == {}  # no decision applied in this database: nothing to move
    with leader(services, DAILY_LOCK) as first:
        assert first
        if services.sessions.kw["bind"].dialect.name == "postgresql":
            with leader(second_services(services), DAILY_LOCK) as second:
                assert not second  # another process holds the daily job


def test_row_writer_writes_only_what_changed_and_refuses_a_stale_version(services, commands, staff):
    """storage.rows: an unchanged row is not written; a changed one is, under its version; a stale one is refused whole."""
    from sqlalchemy import event
    from sqlalchemy.orm.exc import StaleDataError

    from engine.storage.rows import DOSSIER_COLUMNS, RowWriter

    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    task = only_task(services, dossier.id, "intake")
    engine = services.sessions.kw["bind"]
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with engine.begin() as conn:
            row = conn.execute(select(Dossier.__table__).where(Dossier.id == dossier.id)).mappings().one()
            writer = RowWriter(conn)
            read = writer.dossier({k: row[k] for k in DOSSIER_COLUMNS})
            statements.clear()
            writer.flush()
            assert statements == []  # nothing changed, nothing written
            read.documents = [*read.documents, {"id": "extra", "name": "Giấy tờ bổ sung"}]  # assigned, not mutated
            writer.flush()
            assert statements == ["UPDATE"] and read.version == row["version"] + 1
        with engine.begin() as conn:  # another writer moved the row on meanwhile
            conn.execute(update(Dossier.__table__).where(Dossier.id == dossier.id).values(version=Dossier.version + 1))
        with pytest.raises(StaleDataError), engine.begin() as conn:
            writer = RowWriter(conn)
            stale = writer.dossier({k: row[k] for k in DOSSIER_COLUMNS})  # the values read before
            stale.status = "stopped"
            writer.flush()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    with engine.connect() as conn:
        after = conn.execute(select(Dossier.__table__).where(Dossier.id == dossier.id)).mappings().one()
    assert after["status"] == "received" and after["version"] == row["version"] + 2
    assert after["documents"][-1]["id"] == "extra"
    assert only_task(services, task.dossier_id, "intake").id == task.id
