"""The administrator's console through Flask's test client (SQLite and PostgreSQL): accounts, forced
password change, locking, tokens, agencies, and the "act as" on a dossier's page."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from engine.storage.accounts import ApiToken, User
from engine.storage.models import AuditEvent

from .conftest import csrf_of, web_login
from .test_rest import receive

NEW = {"user_id": "motcua.moi", "name": "Phan Văn Mới", "role": "one_stop", "agency": "cb-so-y-te", "division": ""}


def _temporary(page: str) -> str:
    match = re.search(r"chỉ hiện một lần\): (\S+) —", page)
    assert match, "no temporary password on the page"
    return match.group(1)


def _login(client, uid: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post("/login", data={"username": uid, "password": password, "csrf_token": csrf_of(page.text)})


def test_only_an_administrator_opens_the_console(client):  # type: ignore[no-untyped-def]
    assert client.get("/quan-tri/").status_code == 302  # not signed in: to the login page
    web_login(client, "dir")
    assert client.get("/quan-tri/").status_code == 403
    assert "Quản trị" not in client.get("/inbox").text


def test_create_account_forced_change_lock_and_reset(client, services, token):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "admin")
    home = client.get("/quan-tri/")
    assert home.status_code == 200 and "Tài khoản cán bộ" in home.text and "Nguyễn Thị Mai" in home.text
    created = client.post("/quan-tri/tai-khoan", data={**NEW, "csrf_token": csrf}, follow_redirects=True)
    temporary = _temporary(created.text)
    assert "Chờ đổi mật khẩu" in created.text

    other = client.application.test_client()
    assert _login(other, "motcua.moi", temporary).status_code == 302
    assert other.get("/inbox").location.endswith("/doi-mat-khau")  # nothing else before the change
    for page in ("/bao-cao/ii06a", "/chat-luong/", "/kiem-soat/"):  # the other rooms' pages neither
        assert other.get(page).location.endswith("/doi-mat-khau"), page
    refused = other.post("/api/v1/auth/token", json={"username": "motcua.moi", "password": temporary})
    assert refused.status_code == 403 and "đổi mật khẩu" in refused.json["error"]["message"]
    form = other.get("/doi-mat-khau")
    changed = other.post("/doi-mat-khau", data={"current": temporary, "new": "mat-khau-rieng-1", "confirm": "mat-khau-rieng-1",
                                                "csrf_token": csrf_of(form.text)})
    assert changed.status_code == 302
    assert _login(other, "motcua.moi", "mat-khau-rieng-1").status_code == 302
    assert other.get("/inbox").status_code == 200

    edited = client.post("/quan-tri/tai-khoan/motcua.moi/sua", data={**NEW, "role": "specialist", "division": "btxh-tre-em",
                                                                      "csrf_token": csrf}, follow_redirects=True)
    assert "Đã lưu" in edited.text
    bad = client.post("/quan-tri/tai-khoan/motcua.moi/sua", data={**NEW, "agency": "", "csrf_token": csrf}, follow_redirects=True)
    assert "Vai trò này cần một cơ quan" in bad.text
    locked = client.post("/quan-tri/tai-khoan/motcua.moi/khoa", data={"csrf_token": csrf}, follow_redirects=True)
    assert "Đã khóa" in locked.text
    assert other.get("/inbox").status_code == 302  # out at once
    assert _login(other, "motcua.moi", "mat-khau-rieng-1").status_code == 401
    client.post("/quan-tri/tai-khoan/motcua.moi/mo-khoa", data={"csrf_token": csrf})
    reset = client.post("/quan-tri/tai-khoan/motcua.moi/dat-lai-mat-khau", data={"csrf_token": csrf}, follow_redirects=True)
    again = _temporary(reset.text)
    assert _login(other, "motcua.moi", "mat-khau-rieng-1").status_code == 401
    assert _login(other, "motcua.moi", again).status_code == 302
    assert client.post("/quan-tri/tai-khoan/motcua.moi/khoa", data={"csrf_token": "forged"}).status_code == 400

    with services.sessions() as session:
        user = session.get(User, "motcua.moi")
        assert user is not None and user.role == "specialist" and user.division == "btxh-tre-em" and user.must_change_password
        kinds = list(session.execute(select(AuditEvent.action).where(AuditEvent.chain == "system").order_by(AuditEvent.seq)).scalars())
    assert kinds == ["account.created", "account.password_changed", "account.updated", "account.deactivated",
                     "account.reactivated", "account.password_reset"]


def test_tokens_are_listed_and_revoked(client, services, token):  # type: ignore[no-untyped-def]
    headers = token("desk")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    csrf = web_login(client, "admin")
    page = client.get("/quan-tri/tai-khoan/desk")
    assert "Mã truy cập API" in page.text
    with services.sessions() as session:
        [row] = session.execute(select(ApiToken).where(ApiToken.user_id == "desk")).scalars()
    revoked = client.post(f"/quan-tri/tai-khoan/desk/ma-truy-cap/{row.id}/thu-hoi", data={"csrf_token": csrf}, follow_redirects=True)
    assert "Đã thu hồi" in revoked.text and "Không có mã truy cập nào" in revoked.text
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_agencies_and_divisions_with_their_accounts(client):  # type: ignore[no-untyped-def]
    web_login(client, "admin")
    page = client.get("/quan-tri/co-quan")
    assert "Sở Y tế tỉnh Cao Bằng" in page.text and "Phòng Bảo trợ xã hội và Trẻ em (3)" in page.text
    assert "workflows/agencies.yaml" in page.text


def test_act_as_on_a_dossier_is_recorded_and_shown(client, token):  # type: ignore[no-untyped-def]
    dossier = receive(client, token)
    csrf = web_login(client, "admin")
    page = client.get(f"/dossiers/{dossier['code']}")
    assert page.status_code == 200 and "Làm thay (quản trị viên)" in page.text and 'data-testid="no-actions"' in page.text
    short = client.post(f"/quan-tri/lam-thay/{dossier['code']}", data={"reason": "vì", "csrf_token": csrf}, follow_redirects=True)
    assert "lý do rõ ràng" in short.text
    done = client.post(f"/quan-tri/lam-thay/{dossier['code']}", data={"reason": "Cán bộ một cửa nghỉ đột xuất, công dân chờ",
                                                                      "csrf_token": csrf}, follow_redirects=True)
    assert "Đã ghi làm thay" in done.text and "Quản trị viên làm thay" in done.text
    assert "Cán bộ một cửa nghỉ đột xuất, công dân chờ" in done.text and "Đang làm thay đến" in done.text
    assert 'data-testid="no-actions"' not in done.text  # now the page offers the dossier's actions


def test_email_in_the_console_and_on_ones_own_account_page(client, services, token):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "admin")
    created = client.post("/quan-tri/tai-khoan", data={**NEW, "email": "moi@caobang.gov.vn", "csrf_token": csrf},
                          follow_redirects=True)
    assert "moi@caobang.gov.vn" in created.text
    bad = client.post("/quan-tri/tai-khoan/motcua.moi/sua", data={**NEW, "email": "moi@", "csrf_token": csrf},
                      follow_redirects=True)
    assert bad.status_code == 200 and "Địa chỉ thư điện tử 'moi@' không hợp lệ" in html.unescape(bad.text)
    client.post("/quan-tri/tai-khoan/motcua.moi/sua", data={**NEW, "email": "", "csrf_token": csrf})
    with services.sessions() as session:
        assert session.get(User, "motcua.moi").email is None

    staff = client.application.test_client()
    own = web_login(staff, "dir")
    page = staff.get("/tai-khoan")
    assert page.status_code == 200 and "Thư điện tử" in page.text and 'data-testid="current-user"' in page.text
    refused = staff.post("/tai-khoan", data={"email": "khong phai thu", "csrf_token": own})
    assert refused.status_code == 422 and "không hợp lệ" in refused.text
    saved = staff.post("/tai-khoan", data={"email": "giamdoc@caobang.gov.vn", "csrf_token": own}, follow_redirects=True)
    assert "Đã lưu thư điện tử: giamdoc@caobang.gov.vn" in saved.text and 'value="giamdoc@caobang.gov.vn"' in saved.text
    assert client.get("/api/v1/me", headers=token("dir")).json["email"] == "giamdoc@caobang.gov.vn"
    with services.sessions() as session:
        assert session.get(User, "dir").email == "giamdoc@caobang.gov.vn"
        kinds = list(session.execute(select(AuditEvent.action, AuditEvent.actor).where(AuditEvent.chain == "system")
                                     .order_by(AuditEvent.seq)).all())
    assert ("account.updated", "dir") in [tuple(k) for k in kinds]
