"""The scheduler publishes a signed head of the audit tree each day (issue 10: "published periodically")."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from engine.quality import heads, merkle
from engine.quality.anchor import current_leaves
from engine.scheduler import build, run_publish
from engine.storage.models import AuditEvent
from tests.helpers import APPLICANT, WORKFLOWS


def test_the_daily_job_adds_new_events_and_signs_a_growing_head(services, commands, staff, tmp_path: Path) -> None:
    folder = tmp_path / "audit"
    folder.mkdir()
    heads.ensure_key(folder)  # what `motcua setup` does
    commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    with services.sessions() as session:
        events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert run_publish(services, folder) == events
    first = heads.read(folder / heads.HEAD_FILE)
    assert first is not None and first.tree_size == events

    commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    added = run_publish(services, folder)
    second = heads.read(folder / heads.HEAD_FILE)
    assert added and second is not None and second.tree_size == events + added
    with services.sessions() as session:  # the head signs the tree as stored
        assert second.root_hash == merkle.root(current_leaves(session)).hex()
    assert run_publish(services, folder) == 0  # nothing new: the same tree, signed again


def test_the_scheduler_runs_the_publication_when_it_knows_the_folder(services, tmp_path: Path) -> None:
    with_folder = {job.id for job in build(services, WORKFLOWS, audit_folder=tmp_path).get_jobs()}
    without = {job.id for job in build(services, WORKFLOWS).get_jobs()}
    assert "publish" in with_folder and "publish" not in without
