"""What several test modules share: paths, the test databases, the applicant, finding a dossier's steps.

Fixtures live in the ``conftest.py`` files; plain constants and functions live here, so a test
module imports them from one place instead of from another test module or a copy of its own.
Driving a dossier along its route is ``engine.simulate.Driver`` (the demo data and the bench use it too).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from engine.storage.models import AuditEvent, Dossier, IssuedForm, Task

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PG_URL = os.environ.get("MOTCUA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite"] if os.environ.get("MOTCUA_TEST_SKIP_PG") else ["sqlite", "postgresql"]

AGENCY = "cb-so-y-te"
DIVISION = "btxh-tre-em"  # Phòng Bảo trợ xã hội và Trẻ em: the specialists and division heads of the approved processes
DIVISION_ROLES = ("specialist", "division_head")

APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "004123456789", "phone": "0912345678"}
INTAKE_CHECKS = ["complete", "scanned_signed"]  # the required checkpoints of 1.001806's intake


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    """A moment in Vietnam time."""
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=TZ)


def open_tasks(services, dossier_id):
    """The dossier's tasks that are not finished (open, or held for a supplement), oldest first."""
    with services.sessions() as session:
        return list(session.execute(
            select(Task).where(Task.dossier_id == dossier_id, Task.state.in_(("open", "waiting"))).order_by(Task.id)
        ).scalars())


def only_task(services, dossier_id, step=None):
    """The dossier's one unfinished task (asserted), at ``step`` if given (asserted)."""
    tasks = open_tasks(services, dossier_id)
    assert len(tasks) == 1, [t.step_id for t in tasks]
    if step:
        assert tasks[0].step_id == step
    return tasks[0]


def open_task(services, dossier_id, step_id):
    """The dossier's open task at ``step_id`` (exactly one), whatever else is open."""
    with services.sessions() as session:
        return session.execute(
            select(Task).where(Task.dossier_id == dossier_id, Task.step_id == step_id, Task.state == "open")
        ).scalar_one()


def load(services, code):
    """The dossier with this code, as stored now."""
    with services.sessions() as session:
        return session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()


def forms(services, dossier_id):
    """The forms issued for the dossier, in order."""
    with services.sessions() as session:
        return list(session.execute(select(IssuedForm).where(IssuedForm.dossier_id == dossier_id).order_by(IssuedForm.id)).scalars())


def audit_count(services: Any) -> int:
    """How many audit events there are (a refused command must add none)."""
    with services.sessions() as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed ``motcua`` command, as a user runs it."""
    motcua = Path(sys.executable).parent / "motcua"
    return subprocess.run([str(motcua), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def forget_procedures(services: Any, prefix: str) -> None:
    """Remove the test-only procedures whose code starts with ``prefix`` (their versions, dossiers, drafts, web decisions)
    from the session's shared database, so tests that count the catalogue do not see them."""
    from sqlalchemy import delete, text

    from engine.storage.decisions import DecisionRow
    from engine.storage.drafts import DraftRow
    from engine.storage.models import ProcedureVersion

    with services.sessions() as session:
        for table in ("issued_forms", "outbox", "audit_events", "tasks", "dossiers", "counters"):
            session.execute(text(f"DELETE FROM {table}"))
        session.execute(delete(DraftRow).where(DraftRow.code.startswith(prefix)))
        session.execute(delete(DecisionRow).where(DecisionRow.id.startswith("web-")))
        session.execute(delete(ProcedureVersion).where(ProcedureVersion.code.startswith(prefix)))
        session.commit()
