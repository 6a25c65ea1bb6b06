"""Fixtures of the API and web tests: the Flask app over the shared ``services`` (SQLite and PostgreSQL).

``services`` (tests/conftest.py) gives a migrated database with the real
catalogue and a fixed clock (Monday 02/03/2026 08:00); here we add staff
accounts, bearer tokens and a test client.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete

from api import create_app
from engine import Services
from engine.storage.accounts import ApiToken, User, hash_password, issue_token

PASSWORD = "mat-khau-thu"
_HASH: list[str] = []

# id -> (name, role, agency); specialists and division heads of Sở Y tế are in DIVISIONS
STAFF = {
    "desk": ("Nguyễn Thị Mai", "one_stop", "cb-so-y-te"),
    "spec": ("Trần Văn Bình", "specialist", "cb-so-y-te"),
    "head": ("Lê Thị Hoa", "division_head", "cb-so-y-te"),
    "head2": ("Đinh Văn Sơn", "division_head", "cb-so-y-te"),
    "dir": ("Phạm Quốc Dũng", "director", "cb-so-y-te"),
    "clerk": ("Hoàng Thị Lan", "clerk", "cb-so-y-te"),
    "iso": ("Vũ Minh Châu", "quality_officer", "cb-so-y-te"),
    "analyst": ("Đỗ Thu Trang", "analyst", "cb-so-y-te"),
    "admin": ("Ngô Văn Hải", "administrator", None),
    "outsider": ("Bùi Văn Nam", "specialist", "cb-so-noi-vu"),
    "desk_noivu": ("Lý Thị Oanh", "one_stop", "cb-so-noi-vu"),
    "head_nodiv": ("Mạc Văn Tuấn", "division_head", "cb-so-y-te"),
    "head_vp": ("Hà Thị Yến", "division_head", "cb-so-noi-vu"),
    "head_xd": ("Lục Văn Thắng", "division_head", "cb-so-noi-vu"),
}
DIVISIONS = {"spec": "btxh-tre-em", "head": "btxh-tre-em", "head2": "btxh-tre-em",
             "head_vp": "van-phong", "head_xd": "xay-dung-chinh-quyen-cchc"}


# A key generated per run (never one written here), and sessions as long as the bearer tokens below:
# tests move the clock by days between requests. tests/api/test_sessions.py checks the real limits.
APP_CONFIG = {"TESTING": True, "SECRET_KEY": secrets.token_urlsafe(48), "SERVER_NAME": "motcua.test",
              "PERMANENT_SESSION_LIFETIME": timedelta(days=400), "SESSION_IDLE_TIMEOUT": timedelta(days=400)}


def add_staff(services: Services, now: datetime) -> None:
    """Fresh accounts for each test (one password hash computed once: hashing is slow on purpose)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    with services.sessions() as session:
        session.execute(delete(ApiToken))
        session.execute(delete(User))
        for uid, (name, role, agency) in STAFF.items():
            session.add(User(id=uid, name=name, role=role, agency_id=agency, division=DIVISIONS.get(uid),
                             password_hash=_HASH[0], active=True, created_at=now))
        session.commit()


@pytest.fixture
def app(services: Services) -> Flask:
    add_staff(services, services.now())
    return create_app(APP_CONFIG, services=services)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token(services: Services) -> Callable[[str], dict[str, str]]:
    """Authorization headers for a staff id."""
    cache: dict[str, dict[str, str]] = {}

    def headers(uid: str) -> dict[str, str]:
        if uid not in cache:
            with services.sessions() as session:
                user = session.get(User, uid)
                assert user is not None
                value, _ = issue_token(session, user, services.now(), timedelta(days=400))  # tests move the clock
                session.commit()
            cache[uid] = {"Authorization": f"Bearer {value}"}
        return cache[uid]

    return headers


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def web_login(client: FlaskClient, uid: str) -> str:
    """Log in through the form; return the session's CSRF token."""
    page = client.get("/login")
    response = client.post("/login", data={"username": uid, "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 302, response.text
    return csrf_of(client.get("/inbox").text)
