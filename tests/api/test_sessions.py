"""Sessions kept on the server (issue 12, item 1), on SQLite and PostgreSQL: the cookie's flags as sent, the
lifetime and idle limit under a moving clock, and every way a session or a token ends (logout, password
change, reset, lock, unlock, revocation by its owner or an administrator)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from api import create_app
from engine.storage.accounts import ApiToken
from engine.storage.models import AuditEvent
from engine.storage.web_sessions import WebSession
from tests.api.conftest import PASSWORD, add_staff, csrf_of, web_login


@pytest.fixture
def real(services):  # type: ignore[no-untyped-def]
    """The app with the shipped session limits (10 h, 30 min idle), not the long ones of the shared fixture."""
    add_staff(services, services.now())
    return create_app({"TESTING": True, "SECRET_KEY": secrets.token_urlsafe(48), "SERVER_NAME": "motcua.test"},
                      services=services)


def set_cookie(response) -> SimpleCookie:  # type: ignore[no-untyped-def]
    [header] = [v for k, v in response.headers.items() if k.lower() == "set-cookie"]
    jar = SimpleCookie()
    jar.load(header)
    return jar


def login_response(client: FlaskClient, uid: str, **kwargs):  # type: ignore[no-untyped-def]
    page = client.get("/login", **kwargs)
    return client.post("/login", data={"username": uid, "password": PASSWORD, "csrf_token": csrf_of(page.text)}, **kwargs)


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/inbox")
    return response.status_code == 200


def cookie_value(client: FlaskClient) -> str:
    cookie = client.get_cookie("session", domain="motcua.test")
    assert cookie is not None
    return cookie.value


def test_the_cookie_as_sent_is_httponly_samesite_lax_for_ten_hours(real: Flask) -> None:
    response = login_response(real.test_client(), "desk")
    assert response.status_code == 302
    header = response.headers["Set-Cookie"]
    morsel = set_cookie(response)["session"]
    assert morsel["httponly"] and morsel["samesite"] == "Lax" and not morsel["secure"], header
    left = parsedate_to_datetime(morsel["expires"]) - datetime.now(UTC)
    assert timedelta(hours=9, minutes=58) < left <= timedelta(hours=10), header  # not Flask's 31 days
    assert real.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=10)


def test_the_cookie_is_secure_over_https_and_when_configured(real: Flask, services) -> None:  # type: ignore[no-untyped-def]
    over_tls = login_response(real.test_client(), "desk", base_url="https://motcua.test")
    assert set_cookie(over_tls)["session"]["secure"]
    configured = create_app({"TESTING": True, "SECRET_KEY": secrets.token_urlsafe(48), "SERVER_NAME": "motcua.test",
                             "SESSION_COOKIE_SECURE": True}, services=services)
    assert set_cookie(login_response(configured.test_client(), "desk"))["session"]["secure"]


def test_environment_settings_take_effect(services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MOTCUA_SESSION_IDLE_TIMEOUT", "60")
    monkeypatch.setenv("MOTCUA_PERMANENT_SESSION_LIFETIME", "7200")
    monkeypatch.setenv("MOTCUA_SESSION_COOKIE_SECURE", "true")
    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_urlsafe(48), "SERVER_NAME": "motcua.test"},
                     services=services)
    add_staff(services, services.now())
    morsel = set_cookie(login_response(app.test_client(), "desk"))["session"]
    assert morsel["secure"] and morsel["samesite"] == "Lax"
    with services.sessions() as session:
        [row] = session.execute(select(WebSession)).scalars()
    assert row.expires_at - row.created_at == timedelta(hours=2)
    monkeypatch.setenv("MOTCUA_SESSION_IDLE_TIMEOUT", "-5")
    with pytest.raises(ValueError, match="SESSION_IDLE_TIMEOUT"):
        create_app({"TESTING": True}, services=services)


def test_a_cookie_replayed_after_logout_opens_nothing(real: Flask) -> None:
    client = real.test_client()
    csrf = web_login(client, "desk")
    stolen = cookie_value(client)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    replay = real.test_client()
    replay.set_cookie("session", stolen, domain="motcua.test")
    response = replay.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert replay.get("/api/v1/me").status_code == 401  # the API takes no cookie at all


def test_idle_timeout_and_lifetime_follow_the_clock(real: Flask, clock) -> None:  # type: ignore[no-untyped-def]
    client = real.test_client()
    web_login(client, "desk")
    for step in range(20):  # active every 29 minutes, up to 9 h 40 min: the idle limit never strikes...
        clock.advance(minutes=29)
        assert signed_in(client), f"signed out after {(step + 1) * 29} minutes"
    clock.advance(minutes=29)  # ...but at 10 h 09 min the session's lifetime is over
    assert not signed_in(client)
    with real.extensions["motcua"].sessions() as session:
        assert session.execute(select(WebSession)).first() is None  # the dead row is gone
    idle = real.test_client()
    web_login(idle, "desk")
    clock.advance(minutes=29)
    assert signed_in(idle)
    clock.advance(minutes=30, seconds=1)
    assert not signed_in(idle)


def test_idle_timeout_is_configurable(services, clock) -> None:  # type: ignore[no-untyped-def]
    add_staff(services, services.now())
    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_urlsafe(48), "SERVER_NAME": "motcua.test",
                      "SESSION_IDLE_TIMEOUT": 300}, services=services)
    client = app.test_client()
    web_login(client, "desk")
    clock.advance(minutes=4)
    assert signed_in(client)
    clock.advance(minutes=5, seconds=1)
    assert not signed_in(client)


def test_a_password_change_ends_every_session_and_token(real: Flask, services, token) -> None:  # type: ignore[no-untyped-def]
    other, here = real.test_client(), real.test_client()
    web_login(other, "desk")
    csrf = web_login(here, "desk")
    headers = token("desk")
    changed = here.post("/doi-mat-khau", data={"csrf_token": csrf, "current": PASSWORD, "new": "mat-khau-moi-2026",
                                               "confirm": "mat-khau-moi-2026"})
    assert changed.status_code == 302 and "/login" in changed.headers["Location"]
    assert not signed_in(other) and not signed_in(here)
    assert real.test_client().get("/api/v1/me", headers=headers).status_code == 401
    with services.sessions() as session:
        [event] = session.execute(select(AuditEvent).where(AuditEvent.action == "account.password_changed")).scalars()
    assert event.after == {"user": "desk", "sessions": 2, "tokens": 1}


@pytest.mark.parametrize("action", ["khoa", "dat-lai-mat-khau"])
def test_an_administrator_lock_or_reset_ends_sessions_and_unlock_revives_none(real: Flask, token, action) -> None:  # type: ignore[no-untyped-def]
    victim = real.test_client()
    web_login(victim, "desk")
    stolen = cookie_value(victim)
    headers = token("desk")
    admin = real.test_client()
    csrf = web_login(admin, "admin")
    assert admin.post(f"/quan-tri/tai-khoan/desk/{action}", data={"csrf_token": csrf}).status_code == 302
    assert not signed_in(victim)
    if action == "khoa":
        assert admin.post("/quan-tri/tai-khoan/desk/mo-khoa", data={"csrf_token": csrf}).status_code == 302
    replay = real.test_client()
    replay.set_cookie("session", stolen, domain="motcua.test")
    assert not signed_in(replay)
    assert real.test_client().get("/api/v1/me", headers=headers).status_code == 401


def test_reactivation_revokes_what_was_issued_before(services, real: Flask) -> None:  # type: ignore[no-untyped-def]
    """A token left by an older version (locking did not revoke then) does not come back with the account."""
    from engine import administration as adm
    from engine.storage.accounts import User, issue_token

    with services.sessions() as session:
        user = session.get(User, "desk")
        value, _ = issue_token(session, user, services.now())
        user.active = False
        session.commit()
    with services.sessions() as session:
        actor = session.get(User, "admin").actor()
    adm.set_active(services, actor, "desk", True)
    assert real.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {value}"}).status_code == 401


def test_the_api_lists_and_revokes_own_sessions_and_tokens(real: Flask, services, token) -> None:  # type: ignore[no-untyped-def]
    api = real.test_client()
    browser = real.test_client()
    web_login(browser, "desk")
    headers = token("desk")
    second = api.post("/api/v1/auth/token", json={"username": "desk", "password": PASSWORD}).json["access_token"]
    listed = api.get("/api/v1/auth/tokens", headers=headers)
    assert listed.status_code == 200 and listed.headers["Cache-Control"] == "no-store"
    items = listed.json["items"]
    assert [i["kind"] for i in items] == ["session", "token", "token"]
    assert [i["current"] for i in items] == [False, False, True]
    assert "Werkzeug" in (items[0]["client"] or "") and items[0]["address"] == "127.0.0.1"
    # another user's token: not found, naming nothing; nothing revoked
    spec = token("spec")
    with services.sessions() as session:
        spec_token = session.execute(select(ApiToken.id).where(ApiToken.user_id == "spec")).scalar_one()
    assert api.delete(f"/api/v1/auth/tokens/{spec_token}", headers=headers).status_code == 404
    assert api.get("/api/v1/me", headers=spec).status_code == 200
    # one's own: gone at once
    assert api.delete(f"/api/v1/auth/tokens/{items[1]['id']}", headers={"Authorization": f"Bearer {second}"}).status_code == 204
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    assert api.delete(f"/api/v1/auth/sessions/{items[0]['id']}", headers=headers).status_code == 204
    assert not signed_in(browser)
    assert api.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    with services.sessions() as session:
        kinds = list(session.execute(select(AuditEvent.action).where(AuditEvent.chain == "system")
                                     .order_by(AuditEvent.seq)).scalars())
    assert kinds == ["account.token_revoked", "account.session_revoked", "account.token_revoked"]


def test_sign_out_everywhere_through_the_api(real: Flask, token) -> None:  # type: ignore[no-untyped-def]
    browser = real.test_client()
    web_login(browser, "desk")
    headers = token("desk")
    api = real.test_client()
    done = api.delete("/api/v1/auth/tokens", headers=headers)
    assert done.status_code == 200 and done.json == {"sessions": 1, "tokens": 1}
    assert not signed_in(browser) and api.get("/api/v1/me", headers=headers).status_code == 401


def test_the_account_page_lists_and_revokes_own_sessions(real: Flask, token) -> None:  # type: ignore[no-untyped-def]
    elsewhere, here = real.test_client(), real.test_client()
    web_login(elsewhere, "desk")
    csrf = web_login(here, "desk")
    token("desk")
    page = here.get("/tai-khoan")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "(phiên này)" in page.text and "10 giờ" in page.text and "30 phút" in page.text
    ids = re.findall(r'data-session="(\d+)"', page.text)
    assert len(ids) == 2 and len(re.findall(r'data-token="(\d+)"', page.text)) == 1
    this = re.search(r'data-session="(\d+)"><td>\d+</td>(?:(?!</tr>).)*\(phiên này\)', page.text, re.S)
    assert this is not None
    other = next(i for i in ids if i != this.group(1))
    revoked = here.post(f"/tai-khoan/thu-hoi/session/{other}", data={"csrf_token": csrf}, follow_redirects=True)
    assert "Đã thu hồi phiên đăng nhập" in revoked.text
    assert not signed_in(elsewhere) and signed_in(here)
    wrong = here.post("/tai-khoan/dang-xuat-moi-noi", data={"csrf_token": csrf, "password": "sai"}, follow_redirects=True)
    assert "Mật khẩu không đúng; chưa thu hồi gì" in wrong.text and signed_in(here)
    out = here.post("/tai-khoan/dang-xuat-moi-noi", data={"csrf_token": csrf, "password": PASSWORD}, follow_redirects=True)
    assert "1 phiên web, 1 mã truy cập" in out.text and not signed_in(here)


def test_the_console_lists_and_revokes_anyones_sessions_audited(real: Flask, services) -> None:  # type: ignore[no-untyped-def]
    victim = real.test_client()
    web_login(victim, "desk")
    admin = real.test_client()
    csrf = web_login(admin, "admin")
    page = admin.get("/quan-tri/tai-khoan/desk")
    assert "Phiên đăng nhập web" in page.text and page.headers["Cache-Control"] == "no-store"
    [sid] = re.findall(r'data-session="(\d+)"', page.text)
    done = admin.post(f"/quan-tri/tai-khoan/desk/phien/{sid}/thu-hoi", data={"csrf_token": csrf}, follow_redirects=True)
    assert "Đã thu hồi phiên đăng nhập" in done.text and "Không có phiên đăng nhập nào" in done.text
    assert not signed_in(victim)
    with services.sessions() as session:
        [event] = session.execute(select(AuditEvent).where(AuditEvent.action == "account.session_revoked")).scalars()
    assert event.actor == "admin" and event.after == {"user": "desk", "session": int(sid)}
    # a user who is not an administrator revokes no one else's session
    other = real.test_client()
    csrf_spec = web_login(other, "spec")
    web_login(victim, "desk")
    with services.sessions() as session:
        desk_session = session.execute(select(WebSession.id).where(WebSession.user_id == "desk")).scalar_one()
    refused = other.post(f"/tai-khoan/thu-hoi/session/{desk_session}", data={"csrf_token": csrf_spec}, follow_redirects=True)
    assert f"Không có phiên đăng nhập #{desk_session}" in refused.text and signed_in(victim)


def test_migration_0015_down_and_up(database, real: Flask) -> None:  # type: ignore[no-untyped-def]
    """The table comes and goes with its revision (the session's database goes back to head)."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from engine.storage.db import alembic_config, migrate

    web_login(real.test_client(), "desk")
    config = alembic_config(database)
    before = ScriptDirectory.from_config(config).get_revision("0015").down_revision  # relinked at merges
    try:
        command.downgrade(config, str(before))
        assert "web_sessions" not in inspect(database).get_table_names()
    finally:
        migrate(database)
    columns = {c["name"] for c in inspect(database).get_columns("web_sessions")}
    assert {"token_hash", "user_id", "expires_at", "last_seen_at", "client", "address"} <= columns
    client = real.test_client()
    web_login(client, "desk")
    assert signed_in(client)
