"""Security headers and ``Cache-Control: no-store`` on the real responses (issue 12, items 6 and 2)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from flask import Flask

from api import create_app
from tests.api.conftest import APP_CONFIG, PASSWORD, add_staff, csrf_of, web_login
from tests.helpers import APPLICANT

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "api").rglob("*.html"))


def test_every_page_has_the_policy_headers(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/login", "/cong-khai", "/api/v1/procedures", "/nope", "/static/app.js"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, path
        assert "style-src 'self'" in csp and "object-src 'none'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers, path  # plain HTTP: no HSTS


def test_hsts_only_over_tls_and_behind_a_trusted_proxy_only(services) -> None:  # type: ignore[no-untyped-def]
    plain = create_app({**APP_CONFIG}, services=services).test_client()
    assert plain.get("/login", base_url="https://motcua.test").headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # X-Forwarded-Proto from anyone is not believed...
    assert "Strict-Transport-Security" not in plain.get("/login", headers={"X-Forwarded-Proto": "https"}).headers
    # ...from the configured proxy it is: HSTS, and the session cookie is Secure
    proxied = create_app({**APP_CONFIG, "TRUSTED_PROXIES": 1}, services=services)
    add_staff(services, services.now())
    client = proxied.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "max-age=31536000" in client.get("/login", headers=forwarded).headers["Strict-Transport-Security"]
    page = client.get("/login", headers=forwarded)
    login = client.post("/login", headers=forwarded,
                        data={"username": "desk", "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert login.status_code == 302 and "Secure" in login.headers["Set-Cookie"]
    no_hsts = create_app({**APP_CONFIG, "HSTS_MAX_AGE": 0}, services=services).test_client()
    assert "Strict-Transport-Security" not in no_hsts.get("/login", base_url="https://motcua.test").headers


@pytest.fixture
def dossier_code(client, token) -> str:  # type: ignore[no-untyped-def]
    created = client.post("/api/v1/dossiers", headers=token("desk"),
                          json={"procedure_code": "1.001806", "applicant": APPLICANT, "documents": ["don"]})
    assert created.status_code == 201, created.json
    return str(created.json["code"])


def test_personal_answers_are_not_stored(app: Flask, client, token, dossier_code) -> None:  # type: ignore[no-untyped-def]
    anonymous = app.test_client()
    for path in (f"/tra-cuu/{dossier_code}", f"/tra-cuu?ma={dossier_code}", "/login"):
        assert anonymous.get(path).headers["Cache-Control"] == "no-store", path
    api = token("desk")
    for path in (f"/api/v1/dossiers/{dossier_code}", "/api/v1/dossiers", "/api/v1/me", "/api/v1/tasks"):
        response = client.get(path, headers=api)
        assert response.headers["Cache-Control"] == "no-store", path
    assert client.get(f"/api/v1/public/dossiers/{dossier_code}").headers["Cache-Control"] == "no-store"
    web_login(client, "desk")
    for path in ("/inbox", f"/dossiers/{dossier_code}", "/dossiers", "/tai-khoan", "/cong-khai"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path


def test_public_pages_without_a_signed_in_user_may_be_cached(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/cong-khai", "/cong-khai/thu-tuc/1.001806"):
        response = client.get(path)
        assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", ""), path


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_or_style(template) -> None:  # type: ignore[no-untyped-def]
    """The policy allows the pages' own files only: an inline script, handler or style would be blocked."""
    html = template.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler (onclick=...)"
    assert not re.search(r"<style\b|\sstyle\s*=", html), "inline style"
    assert "javascript:" not in html


def test_a_key_is_generated_for_the_tests() -> None:
    assert len(APP_CONFIG["SECRET_KEY"]) >= 32 and APP_CONFIG["SECRET_KEY"] != secrets.token_urlsafe(48)
