"""The public site shows the last signed tree head, as HTML and JSON, and anyone can check its signature."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api import create_app
from engine.quality import anchor, heads
from tests.helpers import APPLICANT


def test_public_head_page(services, commands, staff, tmp_path, clock):
    app = create_app({"AUDIT_DIR": str(tmp_path)}, services=services)
    client = app.test_client()
    page = client.get("/cong-khai/nhat-ky-kiem-toan")
    assert page.status_code == 200 and "Chưa công bố đầu cây nào" in page.get_data(as_text=True)
    assert client.get("/cong-khai/nhat-ky-kiem-toan?dang=json").status_code == 404

    commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    heads.ensure_key(tmp_path)
    with services.sessions() as session:
        head = anchor.publish(session, tmp_path, clock.now()).head
    html = client.get("/cong-khai/nhat-ky-kiem-toan").get_data(as_text=True)
    assert head.root_hash in html and f">{head.tree_size}<" in html
    data = client.get("/cong-khai/nhat-ky-kiem-toan?dang=json").get_json()
    assert data["root_hash"] == head.root_hash and data["tree_size"] == head.tree_size
    # What docs/quality.md tells a citizen or an inspector to do with it: check the signature alone.
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data["public_key"]))
    signed = f"motcua-audit-tree-head/v1\n{data['tree_size']}\n{data['root_hash']}\n{data['timestamp']}\n".encode()
    key.verify(base64.b64decode(data["signature"]), signed)  # raises if it does not hold

    (tmp_path / heads.HEAD_FILE).write_text("{not json")
    broken = client.get("/cong-khai/nhat-ky-kiem-toan")
    assert broken.status_code == 200 and "bị hỏng" in broken.get_data(as_text=True)
