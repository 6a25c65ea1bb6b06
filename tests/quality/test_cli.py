"""`motcua audit publish / verify / prove / consistency` and the key `motcua setup` creates, as an operator runs them."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select, update

from api import create_app
from api.cli import _signing_key, cli
from engine.audit import compute_hash
from engine.quality import heads, merkle
from engine.simulate import Driver
from engine.storage.models import AuditEvent, Dossier
from tests.helpers import APPLICANT


def test_publish_verify_prove(services, commands, staff, tmp_path, clock):
    folder = tmp_path / "audit"
    app = create_app({"AUDIT_DIR": str(folder)}, services=services)
    runner = CliRunner()

    def run(*args):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    dossier = Driver(commands, staff).run(commands.receive(staff["one_stop"], "1.001806", APPLICANT))
    assert "Chưa có khóa ký" in run("audit", "publish").output
    with app.app_context():
        _signing_key()  # what `motcua setup` does
    assert (folder / heads.KEY_FILE).stat().st_mode & 0o777 == 0o600
    result = run("audit", "verify")
    assert result.exit_code == 0 and "Chưa công bố đầu cây" in result.output, result.output
    result = run("audit", "publish")
    assert result.exit_code == 0 and "Đã công bố đầu cây" in result.output, result.output
    first = heads.read(folder / heads.HEAD_FILE)
    clock.set(clock.now() + timedelta(hours=1))
    commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    assert run("audit", "publish").exit_code == 0
    second = heads.read(folder / heads.HEAD_FILE)
    assert run("audit", "verify").output.strip().endswith("Nhật ký kiểm toán toàn vẹn.")

    with services.sessions() as session:
        event_id = session.execute(select(AuditEvent.id).where(AuditEvent.dossier_id == dossier.id).order_by(AuditEvent.seq)).scalars().first()
    proof = json.loads(run("audit", "prove", str(event_id)).output)
    leaf = merkle.leaf_hash(proof["leaf_data"].encode())
    assert merkle.verify_inclusion(proof["leaf_index"], proof["tree_size"], leaf, [bytes.fromhex(p) for p in proof["audit_path"]],
                                   bytes.fromhex(second.root_hash))
    proof = json.loads(run("audit", "consistency", str(first.tree_size)).output)
    assert merkle.verify_consistency(first.tree_size, second.tree_size, bytes.fromhex(first.root_hash),
                                     bytes.fromhex(second.root_hash), [bytes.fromhex(p) for p in proof["consistency_path"]])
    assert "không có đầu cây đã công bố với kích thước 3" in run("audit", "consistency", "3").output

    # A rewrite with every hash recomputed: the chains look sound, the tree names the event.
    with services.sessions() as session:
        events = session.execute(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id).order_by(AuditEvent.seq)).scalars().all()
        events[0].actor = "director1"
        prev = ""
        for event in events:
            event.prev_hash = prev
            event.hash = prev = compute_hash(event)
        session.execute(update(Dossier).where(Dossier.id == dossier.id).values(audit_head=prev))
        session.commit()
    result = run("audit", "verify")
    assert result.exit_code == 1, result.output
    assert f"Sự kiện #{events[0].id}" in result.output and "KHÔNG toàn vẹn" in result.output
    result = run("audit", "verify", "--head", str(folder / "heads" / f"{first.tree_size:012d}.json"))
    assert result.exit_code == 1 and f"Sự kiện #{events[0].id}" in result.output
    assert "Không công bố" in run("audit", "publish").output
