"""The sweep sends each warning once: two scheduler processes at once (PostgreSQL), and a run after a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import dispatch_pending
from engine.simulate import Driver
from engine.storage.alerts import DeadlineAlarm, Notification
from engine.storage.models import OutboxMessage
from engine.sweeps import deadlines
from engine.sweeps.deadlines import sweep
from tests.helpers import APPLICANT, ROOT, local


def dossiers_at_appraisal(commands, staff, n):  # type: ignore[no-untyped-def]
    driver = Driver(commands, staff)
    for _ in range(n):
        driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT), until="appraise")


def counts(services):  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        sent = session.execute(select(func.count()).where(DeadlineAlarm.state == "sent",
                                                          DeadlineAlarm.dossier_id != 0)).scalar_one()
        notices = session.execute(select(Notification.user_id, Notification.dedup)).all()
        payloads = session.execute(select(OutboxMessage.payload).where(OutboxMessage.handler == "notify.staff")).scalars()
        messages = sum(len(p["notices"]) for p in payloads)  # the warnings queued, one message per batch
    return sent, notices, messages


def test_two_scheduler_processes_send_each_warning_once(database, services, commands, staff, people):
    """PostgreSQL: two processes at once. SQLite runs one scheduler at a time: the two run one after the other."""
    dossiers_at_appraisal(commands, staff, 30)  # in March 2026: every warning is due by now (the real clock)
    env = os.environ | {"DATABASE_URL": database.url.render_as_string(hide_password=False),
                        "MOTCUA_NOTICES": str(ROOT / "no-such-folder")}
    motcua = str(Path(sys.executable).parent / "motcua")
    def start() -> subprocess.Popen[str]:
        return subprocess.Popen([motcua, "scheduler", "--once"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    if database.dialect.name == "postgresql":
        runs = [start(), start()]
        outputs = [run.communicate(timeout=180) for run in runs]
    else:
        runs, outputs = [], []
        for _ in range(2):
            runs.append(start())
            outputs.append(runs[-1].communicate(timeout=180))
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
    reported = sum(int(out.split("gửi ")[1].split(" ")[0]) for out, _ in outputs)
    sent, notices, messages = counts(services)
    # Per dossier: the appraisal's three alarms and the dossier's three; each sent by one process only.
    assert sent == reported == messages == 30 * 6
    assert len(notices) == len(set(notices))
    with services.sessions() as session:
        assert session.execute(select(func.count()).where(DeadlineAlarm.state == "pending")).scalar_one() == 0


def test_a_crash_mid_sweep_loses_and_repeats_nothing(services, commands, staff, clock, monkeypatch, people):
    dossiers_at_appraisal(commands, staff, 3)
    clock.set(local(2026, 3, 2, 8, 1))
    sweep(services)  # armed
    clock.set(local(2026, 4, 1, 8, 0))  # everything is due
    real = deadlines._decide
    seen = {"n": 0}

    def dies_after_four(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["n"] += 1
        if seen["n"] > 4:
            raise SystemExit("killed")  # the process dies in the middle of a batch
        return real(*args, **kwargs)

    monkeypatch.setattr(deadlines, "_decide", dies_after_four)
    with pytest.raises(SystemExit):
        sweep(services)
    assert counts(services) == (0, [], 0)  # the batch was rolled back whole
    monkeypatch.setattr(deadlines, "_decide", real)
    services.settings.dispatch_outbox = False  # and this time it dies after the commit, before the notices
    assert sweep(services).sent == 18
    sent, notices, messages = counts(services)
    assert (sent, notices, messages) == (18, [], 18)
    assert sweep(services).sent == 0
    dispatch_pending(services)  # the worker delivers what the commit left
    dispatch_pending(services)
    sent, notices, messages = counts(services)
    assert sent == 18 and messages == 18 and len(notices) == len(set(notices)) > 0
