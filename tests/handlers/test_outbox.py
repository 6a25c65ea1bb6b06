"""The outbox's two ways of running a handler, back-off, dead letters and delivery records (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

import engine.outbox as outbox
from engine import Services, dead_letters, dispatch_pending, enqueue, retry
from engine.storage.db import session_factory
from engine.storage.models import IssuedForm, OutboxDelivery, OutboxMessage
from tests.conftest import BACKENDS, PG_URL

APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "004123456789", "phone": "0912345678"}


class Recorder:
    """A test handler: records each call; fails while ``failures`` > 0."""

    def __init__(self, failures: int = 0, reference: str | None = None, pause: float = 0.0) -> None:
        self.calls: list[tuple[int, int]] = []
        self.failures = failures
        self.reference = reference
        self.pause = pause
        self.lock = threading.Lock()

    def __call__(self, ctx, message):  # type: ignore[no-untyped-def]
        with self.lock:
            self.calls.append((message.id, ctx.attempt))
        if self.pause:
            time.sleep(self.pause)
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("gateway said no")
        return self.reference


@pytest.fixture
def register(monkeypatch):  # type: ignore[no-untyped-def]
    """Register a test handler for this test only."""

    def add(name: str, func, inline: bool = False):  # type: ignore[no-untyped-def]
        monkeypatch.setitem(outbox.HANDLERS, name, func)
        monkeypatch.setattr(outbox, "INLINE", (outbox.INLINE | {name}) if inline else (outbox.INLINE - {name}))
        return func

    return add


def second_services(services: Services) -> Services:
    """Another 'process' on the same database: its own engine and pool."""
    from engine.storage.db import make_engine

    url = services.sessions.kw["bind"].url.render_as_string(hide_password=False)
    return Services(session_factory(make_engine(url)), services.calendar, services.clock, services.settings)


def put(services: Services, handler: str, payload: dict | None = None, dossier_id: int | None = None) -> int:
    """A unit of work that only records one side effect (as a command would); its message id."""
    with services.unit_of_work() as session:
        enqueue(session, services, dossier_id, handler, payload or {}, services.now())
        info = session.info
    return info["outbox_ids"][0]


def message(services: Services, message_id: int) -> OutboxMessage:
    with services.sessions() as session:
        row = session.get(OutboxMessage, message_id)
        session.expunge_all()
        return row


def delivery_rows(services: Services, message_id: int) -> list[OutboxDelivery]:
    with services.sessions() as session:
        rows = outbox.deliveries(session, message_id)
        session.expunge_all()
        return rows


# ---------------------------------------------------------------------- inline


def test_inline_handler_runs_after_the_commit_in_its_own_transaction(services, register):
    seen = {}

    def inline(ctx, msg):  # type: ignore[no-untyped-def]
        # The command has committed: another connection sees its row.
        with services.sessions() as other:
            seen["committed"] = other.get(OutboxMessage, msg.id) is not None
        seen["attempt"] = ctx.attempt

    register("test_inline", inline, inline=True)
    message_id = put(services, "test_inline")
    assert seen == {"committed": True, "attempt": 1}
    row = message(services, message_id)
    assert (row.state, row.attempts, row.processed_at) == ("done", 1, services.now())
    assert delivery_rows(services, message_id) == []  # inline handlers keep their own record (the forms)


def test_failing_inline_handler_does_not_fail_the_command(services, commands, staff, monkeypatch):
    def broken(ctx, msg):  # type: ignore[no-untyped-def]
        raise RuntimeError("template missing")

    monkeypatch.setitem(outbox.HANDLERS, "receipt", broken)
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)  # no exception: the command committed
    with services.sessions() as session:
        row = session.execute(select(OutboxMessage).where(OutboxMessage.dossier_id == dossier.id)).scalar_one()
        assert (row.state, row.attempts) == ("pending", 1) and "template missing" in row.last_error
        assert row.available_at == services.now() + timedelta(seconds=5)
        assert session.execute(select(IssuedForm)).first() is None
    monkeypatch.undo()  # the real receipt handler again
    assert dispatch_pending(services) == 0  # backing off
    services.clock.advance(seconds=5)
    assert dispatch_pending(services) == 1
    with services.sessions() as session:
        assert [f.form for f in session.execute(select(IssuedForm)).scalars()] == ["receipt"]
        assert session.get(OutboxMessage, row.id).state == "done"


def test_inline_runs_are_off_when_dispatch_is_off(services, register):
    handler = register("test_inline", Recorder(), inline=True)
    services.settings.dispatch_outbox = False
    try:
        message_id = put(services, "test_inline")
    finally:
        services.settings.dispatch_outbox = True
    assert handler.calls == [] and message(services, message_id).state == "pending"
    assert dispatch_pending(services) == 1 and handler.calls == [(message_id, 1)]


def test_run_messages_runs_only_the_inline_ones(services, register):
    inline = register("test_inline", Recorder(), inline=True)
    worker = register("test_mail", Recorder())
    services.settings.dispatch_outbox = False
    try:
        ids = [put(services, "test_inline"), put(services, "test_mail")]
    finally:
        services.settings.dispatch_outbox = True
    outbox.run_messages(services, ids)
    assert inline.calls == [(ids[0], 1)] and worker.calls == []
    assert message(services, ids[1]).state == "pending"


# ---------------------------------------------------------------------- worker-only


def test_worker_handler_is_not_run_inline(services, register):
    mail = register("test_mail", Recorder(reference="smtp-42"))
    message_id = put(services, "test_mail", {"to": "hoa@example.vn"})
    assert mail.calls == [] and message(services, message_id).state == "pending"
    assert dispatch_pending(services) == 1
    assert mail.calls == [(message_id, 1)]
    row = message(services, message_id)
    assert (row.state, row.attempts, row.lease_token, row.locked_until) == ("done", 1, None, None)
    [delivery] = delivery_rows(services, message_id)
    assert (delivery.handler, delivery.attempt, delivery.outcome, delivery.reference, delivery.error) == (
        "test_mail", 1, "sent", "smtp-42", None)
    assert delivery.started_at == delivery.finished_at == services.now()
    assert dispatch_pending(services) == 0  # never twice


def test_failing_worker_handler_backs_off_then_dead_letters_and_retry_requeues(services, register):
    mail = register("test_mail", Recorder(failures=3, reference="sms-7"))
    services.settings.outbox_max_attempts = 3
    try:
        message_id = put(services, "test_mail")
        waits = []
        for _ in range(3):
            assert dispatch_pending(services) == 1
            row = message(services, message_id)
            waits.append(row.available_at - services.now())
            assert dispatch_pending(services) == 0  # not due yet (or dead)
            services.clock.set(row.available_at)
        assert waits[:2] == [timedelta(seconds=5), timedelta(seconds=10)]  # exponential back-off
        row = message(services, message_id)
        assert (row.state, row.attempts) == ("dead", 3) and "gateway said no" in row.last_error
        services.clock.advance(days=1)
        assert dispatch_pending(services) == 0  # dead: never retried by itself
        records = delivery_rows(services, message_id)
        assert [(d.attempt, d.outcome) for d in records] == [(1, "failed"), (2, "failed"), (3, "failed")]
        assert all("gateway said no" in d.error and d.finished_at for d in records)
        assert [m.id for m in dead_letters(services)] == [message_id]

        assert retry(services, message_id) and not retry(services, message_id)  # only a dead one
        row = message(services, message_id)
        assert (row.state, row.attempts) == ("pending", 0)
        assert dispatch_pending(services) == 1
        assert message(services, message_id).state == "done" and dead_letters(services) == []
        assert [(d.attempt, d.outcome, d.reference) for d in delivery_rows(services, message_id)][-1] == (1, "sent", "sms-7")
        assert len(mail.calls) == 4
    finally:
        services.settings.outbox_max_attempts = 8


def test_failing_inline_handler_dead_letters_too(services, register):
    register("test_inline", Recorder(failures=10), inline=True)
    services.settings.outbox_max_attempts = 2
    try:
        message_id = put(services, "test_inline")  # attempt 1, right after the commit
        services.clock.advance(hours=1)
        assert dispatch_pending(services) == 1  # attempt 2
        row = message(services, message_id)
        assert (row.state, row.attempts) == ("dead", 2)
    finally:
        services.settings.outbox_max_attempts = 8


def test_unknown_handler_backs_off(services):
    message_id = put(services, "no_such_handler")
    assert dispatch_pending(services) == 1
    row = message(services, message_id)
    assert row.state == "pending" and row.attempts == 1 and "no handler registered" in row.last_error


def test_a_lease_keeps_other_workers_off_until_it_expires(services, register):
    mail = register("test_mail", Recorder())
    message_id = put(services, "test_mail")
    # A worker took the lease and died (its lease is still running): nobody else runs the message.
    with services.sessions() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
            attempts=1, lease_token="dead-worker", locked_until=services.now() + timedelta(seconds=outbox.LEASE_SECONDS)))
        session.commit()
    assert dispatch_pending(services) == 0 and mail.calls == []
    services.clock.advance(seconds=outbox.LEASE_SECONDS)
    assert dispatch_pending(services) == 1 and mail.calls == [(message_id, 2)]
    assert message(services, message_id).state == "done"


def test_a_worker_that_lost_its_lease_keeps_none_of_its_rows(services, register):
    def slow(ctx, msg):  # type: ignore[no-untyped-def]
        with services.sessions() as other:  # meanwhile the lease ran out and another worker took the message
            other.execute(update(OutboxMessage).where(OutboxMessage.id == msg.id).values(lease_token="other"))
            other.commit()
        ctx.session.execute(text("INSERT INTO counters (scope, last) VALUES ('lost-lease', 1)"))
        return "ref-1"

    register("test_mail", slow)
    message_id = put(services, "test_mail")
    dispatch_pending(services)
    with services.sessions() as session:
        assert session.execute(text("SELECT COUNT(*) FROM counters WHERE scope = 'lost-lease'")).scalar_one() == 0
    assert message(services, message_id).state == "pending"  # the other worker finishes it
    [delivery] = delivery_rows(services, message_id)
    assert delivery.outcome == "sent" and "lease" in delivery.error  # it did go out: the record says so


def test_a_worker_dying_in_the_last_attempt_is_dead_lettered(services, register):
    mail = register("test_mail", Recorder())
    message_id = put(services, "test_mail")
    with services.sessions() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
            attempts=services.settings.outbox_max_attempts, lease_token="dead-worker", locked_until=services.now()))
        session.commit()
    assert dispatch_pending(services) == 0 and mail.calls == []
    row = message(services, message_id)
    assert row.state == "dead" and "lease expired" in row.last_error


@pytest.mark.parametrize("inline", [False, True], ids=["worker", "inline"])
def test_two_workers_never_run_one_message_twice(services, register, inline):
    handler = register("test_parallel", Recorder(pause=0.02), inline=inline)
    services.settings.dispatch_outbox = False
    try:
        ids = [put(services, "test_parallel") for _ in range(12)]
    finally:
        services.settings.dispatch_outbox = True
    other = second_services(services)
    threads = [threading.Thread(target=dispatch_pending, args=(s,)) for s in (services, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(i for i, _ in handler.calls) == ids
    with services.sessions() as session:
        assert session.execute(text("SELECT COUNT(*) FROM outbox WHERE state <> 'done'")).scalar_one() == 0
        deliveries = session.execute(text("SELECT COUNT(*) FROM outbox_deliveries")).scalar_one()
    assert deliveries == (0 if inline else 12)
    other.sessions.kw["bind"].dispose()


# ---------------------------------------------------------------------- operator commands


def test_cli_lists_and_retries_dead_letters(services, register):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from api import create_app
    from api.cli import cli

    register("test_mail", Recorder(failures=1))
    services.settings.outbox_max_attempts = 1
    try:
        message_id = put(services, "test_mail", dossier_id=None)
        dispatch_pending(services)
    finally:
        services.settings.outbox_max_attempts = 8
    app = create_app(services=services)
    runner = CliRunner()
    info = ScriptInfo(create_app=lambda: app)
    result = runner.invoke(cli, ["outbox", "dead"], obj=info)
    assert result.exit_code == 0 and f"{message_id}\ttest_mail" in result.output and "gateway said no" in result.output
    result = runner.invoke(cli, ["outbox", "retry", str(message_id)], obj=info)
    assert result.exit_code == 0 and f"đã xếp lại việc {message_id}" in result.output
    assert message(services, message_id).state == "pending"
    result = runner.invoke(cli, ["outbox", "retry", str(message_id)], obj=info)  # no longer dead
    assert result.exit_code == 1 and str(message_id) in result.output
    assert dispatch_pending(services) == 1
    result = runner.invoke(cli, ["outbox", "dead"], obj=info)
    assert result.exit_code == 0 and "không có" in result.output


# ---------------------------------------------------------------------- migration


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0006_keeps_processed_messages_done(backend, tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    from engine.storage.db import alembic_config, make_engine, migrate, scratch_database

    with scratch_database(backend, PG_URL, tmp_path, "motcua_mig6") as url:
        engine = make_engine(url)
        try:
            migrate(engine, "0005")
            with engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO outbox (handler, payload, created_at, available_at, processed_at, attempts) VALUES "
                    "('receipt', '{}', '2026-01-05 01:00:00', '2026-01-05 01:00:00', '2026-01-05 01:00:01', 0), "
                    "('receipt', '{}', '2026-01-05 01:00:00', '2026-01-05 01:00:00', NULL, 2)"))
            migrate(engine)
            with engine.connect() as conn:
                states = conn.execute(text("SELECT state, attempts FROM outbox ORDER BY id")).all()
            assert [tuple(r) for r in states] == [("done", 0), ("pending", 2)]
            schema = inspect(engine)
            assert {c["name"] for c in schema.get_columns("outbox_deliveries")} >= {
                "message_id", "attempt", "started_at", "finished_at", "outcome", "error", "reference"}
            assert "ix_outbox_due" in {i["name"] for i in schema.get_indexes("outbox")}
            command.downgrade(alembic_config(engine), "0005")
            schema = inspect(engine)
            assert "outbox_deliveries" not in schema.get_table_names()
            assert "state" not in {c["name"] for c in schema.get_columns("outbox")}
            migrate(engine)
        finally:
            engine.dispose()
