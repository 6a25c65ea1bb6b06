"""Throttles (issue 12 §2): failed logins per account and per address, public-lookup misses per address.

Flask-Limiter on the database storage (``rate_limits``, shared by every worker), on SQLite and PostgreSQL;
Redis or memory only when configured. A refusal is 429 with Retry-After (JSON for the API, a Vietnamese page
for the web); unknown and known user names take the same time to refuse.
"""

from __future__ import annotations

import json
import statistics
import threading
import time

import pytest
from flask import Flask

from api import create_app
from api.throttle import DatabaseStorage
from engine import Services
from engine.storage import throttle as counters
from tests.helpers import APPLICANT

from .conftest import PASSWORD, csrf_of


def new_app(services: Services, **config: object) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", **config}, services=services)


def token_attempt(client, username: str, password: str = "sai", address: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_failed_api_logins_of_one_account_are_throttled_from_any_address(app: Flask) -> None:
    client = app.test_client()
    for attempt in range(5):  # 5 per minute by default, from five addresses
        assert token_attempt(client, "desk", address=f"10.0.1.{attempt}").status_code == 401
    refused = token_attempt(client, "desk", PASSWORD, address="10.0.2.1")  # even the right password now waits
    assert refused.status_code == 429
    error = refused.json["error"]
    assert error["code"] == "too_many_requests" and "hãy thử lại sau" in error["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61 and error["details"]["retry_after"] == int(refused.headers["Retry-After"])  # the minute window (+1 s of rounding)
    assert token_attempt(client, "spec", PASSWORD, address="10.0.2.1").status_code == 200  # another account is free


def test_a_user_name_no_database_keeps_is_a_wrong_login(app: Flask) -> None:
    client = app.test_client()
    for name in ("desk\x00", "de\ud800sk", "d" * 300):
        body = json.dumps({"username": name, "password": PASSWORD})  # ASCII escapes: a lone surrogate travels as \ud800
        answer = client.post("/api/v1/auth/token", data=body, content_type="application/json")
        assert answer.status_code in (400, 401, 422), answer.json  # never a 500 (400: text no database keeps)
        if "\ud800" not in name:  # a form cannot carry one (a browser sends replacement characters)
            csrf = csrf_of(client.get("/login").text)
            assert client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf}).status_code in (400, 401)


def test_successful_logins_do_not_count(app: Flask) -> None:
    client = app.test_client()
    for _ in range(8):
        assert token_attempt(client, "desk", PASSWORD).status_code == 200


def test_failed_logins_from_one_address_are_throttled_across_accounts(app: Flask) -> None:
    client = app.test_client()
    for n in range(20):  # 20 per minute per address, each a different (unknown) user name
        assert token_attempt(client, f"khach{n}", address="10.0.3.3").status_code == 401
    assert token_attempt(client, "desk", PASSWORD, address="10.0.3.3").status_code == 429
    assert token_attempt(client, "desk", PASSWORD, address="10.0.3.4").status_code == 200


def test_web_login_throttle_answers_a_vietnamese_page(app: Flask) -> None:
    client = app.test_client()
    csrf = csrf_of(client.get("/login").text)
    for _ in range(5):
        assert client.post("/login", data={"username": "head", "password": "sai", "csrf_token": csrf}).status_code == 401
    page = client.post("/login", data={"username": "head", "password": PASSWORD, "csrf_token": csrf})
    assert page.status_code == 429 and page.headers["Content-Type"].startswith("text/html")
    assert "Quá nhiều yêu cầu" in page.text and "Hãy thử lại sau" in page.text
    assert int(page.headers["Retry-After"]) >= 1
    assert client.get("/login").status_code == 200  # the form itself is not throttled
    # the API's token endpoint counts the same account (one storage, the same key)
    assert token_attempt(app.test_client(), "head", PASSWORD).status_code == 429


def test_public_lookup_misses_are_throttled_per_address(app: Flask, client, token) -> None:  # type: ignore[no-untyped-def]
    d = client.post("/api/v1/dossiers", json={"procedure_code": "1.001806", "applicant": APPLICANT, "channel": "direct",
                                              "documents": []}, headers=token("desk")).json
    public = app.test_client()
    right = f"/api/v1/public/dossiers/{d['code']}?digits={APPLICANT['phone'][-4:]}"
    for _ in range(5):  # hits do not count
        assert public.get(right, environ_base={"REMOTE_ADDR": "10.0.4.4"}).status_code == 200
    for n in range(10):  # 10 misses per minute (guessing codes or digits)
        assert public.get(f"/api/v1/public/dossiers/{d['code']}?digits={n:04d}",
                          environ_base={"REMOTE_ADDR": "10.0.4.4"}).status_code == 404
    refused = public.get(right, environ_base={"REMOTE_ADDR": "10.0.4.4"})
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    # the web form of the same address is throttled too (one counter per address and endpoint)
    for _ in range(10):
        public.post("/tra-cuu", data={"ma": "KHONG-CO", "so": "0000"}, environ_base={"REMOTE_ADDR": "10.0.4.5"})
    page = public.post("/tra-cuu", data={"ma": d["code"], "so": "5678"}, environ_base={"REMOTE_ADDR": "10.0.4.5"})
    assert page.status_code == 429 and "Quá nhiều yêu cầu" in page.text
    assert public.get(right, environ_base={"REMOTE_ADDR": "10.0.4.6"}).status_code == 200


def test_every_lookup_counts_towards_the_wider_limit(services: Services, client, token) -> None:  # type: ignore[no-untyped-def]
    d = client.post("/api/v1/dossiers", json={"procedure_code": "1.001806", "applicant": APPLICANT, "channel": "direct",
                                              "documents": []}, headers=token("desk")).json
    public = new_app(services, LOOKUP_LIMIT_ALL="3 per minute").test_client()
    right = f"/api/v1/public/dossiers/{d['code']}?digits={APPLICANT['phone'][-4:]}"
    assert [public.get(right).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_two_workers_share_the_counters_through_the_database(services: Services) -> None:
    """Two apps on one database stand for two gunicorn workers: failures at either count for both."""
    from .conftest import add_staff

    add_staff(services, services.now())
    first, second = new_app(services).test_client(), new_app(services).test_client()
    for client in (first, second, first, second, first):
        assert token_attempt(client, "clerk").status_code == 401
    assert token_attempt(second, "clerk", PASSWORD).status_code == 429
    with services.sessions() as session:
        assert session.query(counters.RateLimitRow).count() >= 2  # per account and per address


def test_the_database_counter_is_atomic_under_concurrency(services: Services) -> None:
    storage = DatabaseStorage("motcua-db://", sessions=services.sessions)
    errors: list[BaseException] = []

    def hit() -> None:
        try:
            for _ in range(25):
                storage.incr("concurrency", 60)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert storage.get("concurrency") == 150
    assert time.time() < storage.get_expiry("concurrency") <= time.time() + 60
    storage.clear("concurrency")
    assert storage.get("concurrency") == 0


def test_an_expired_window_starts_again_and_long_keys_are_hashed(services: Services) -> None:
    with services.sessions() as session:
        assert counters.incr(session, "k", 10, now=1000.0) == 1
        assert counters.incr(session, "k", 10, now=1005.0) == 2
        assert counters.incr(session, "k", 10, now=1010.0) == 1  # the window ended at 1010
        assert counters.get(session, "k", now=1011.0) == 1 and counters.get(session, "k", now=1020.0) == 0
        for odd in ("account:" + "ư" * 5000, "account:a\x00b", "account:\ud800"):  # long, NUL, lone surrogate
            assert counters.incr(session, odd, 10) == 1 and counters.get(session, odd) == 1
        assert counters.purge_expired(session, now=time.time() + 100) >= 2
        session.commit()


def test_memory_storage_only_when_asked(services: Services) -> None:
    from limits.storage import MemoryStorage

    from .conftest import add_staff

    add_staff(services, services.now())
    app = new_app(services, RATELIMIT_STORAGE_URI="memory://", LOGIN_LIMIT_ACCOUNT="2 per minute")
    assert isinstance(app.extensions["motcua.limiter"].storage, MemoryStorage)
    client = app.test_client()
    for _ in range(2):
        assert token_attempt(client, "dir").status_code == 401
    assert token_attempt(client, "dir", PASSWORD).status_code == 429
    assert isinstance(new_app(services).extensions["motcua.limiter"].storage, DatabaseStorage)


@pytest.mark.parametrize("way", ["api", "web"])
def test_unknown_and_known_user_names_take_the_same_time(services: Services, way: str) -> None:
    """The probe saw 10 ms for an unknown name and 382 ms for a known one: now both check one password hash."""
    from .conftest import add_staff

    add_staff(services, services.now())
    app = new_app(services, LOGIN_LIMIT_ACCOUNT="1000 per minute", LOGIN_LIMIT_ADDRESS="1000 per minute")
    client = app.test_client()
    csrf = csrf_of(client.get("/login").text)

    def attempt(name: str) -> float:
        started = time.perf_counter()
        if way == "api":
            status = token_attempt(client, name).status_code
        else:
            status = client.post("/login", data={"username": name, "password": "sai", "csrf_token": csrf}).status_code
        assert status == 401
        return time.perf_counter() - started

    attempt("desk"), attempt("ai-do")  # warm up
    known, unknown = [], []
    for n, uid in enumerate(("desk", "spec", "head", "dir", "clerk", "iso", "admin") * 2):  # interleaved: a busy
        known.append(attempt(uid))  # machine slows both kinds alike
        unknown.append(attempt(f"khong-co-{n}"))
    fast, slow = sorted((statistics.median(known), statistics.median(unknown)))
    assert slow - fast < max(0.35 * slow, 0.02), (known, unknown)  # before: 10 ms against 382 ms
    assert fast > 0.01  # both did the (deliberately slow) hash check


def test_guesses_at_one_codes_digits_are_throttled_from_any_address(app: Flask, client, token) -> None:  # type: ignore[no-untyped-def]
    """4 digits are a short secret: guesses from many addresses (a botnet) add up per dossier code."""
    made = [client.post("/api/v1/dossiers", json={"procedure_code": "1.001806", "applicant": APPLICANT, "channel": "direct",
                                                  "documents": []}, headers=token("desk")).json["code"] for _ in range(2)]
    public = app.test_client()
    for n in range(20):  # 20 wrong digits an hour for one code, each from its own address
        assert public.get(f"/api/v1/public/dossiers/{made[0]}?digits={n:04d}",
                          environ_base={"REMOTE_ADDR": f"10.0.9.{n}"}).status_code == 404
    right = f"?digits={APPLICANT['phone'][-4:]}"
    refused = public.get(f"/api/v1/public/dossiers/{made[0]}{right}", environ_base={"REMOTE_ADDR": "10.0.10.1"})
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    page = public.post("/tra-cuu", data={"ma": made[0].lower(), "so": "5678"}, environ_base={"REMOTE_ADDR": "10.0.10.2"})
    assert page.status_code == 429  # the web form names the same code (any case): the same counter
    assert public.get(f"/api/v1/public/dossiers/{made[1]}{right}", environ_base={"REMOTE_ADDR": "10.0.10.1"}).status_code == 200


def test_a_password_asked_again_is_throttled_like_a_login(app: Flask) -> None:
    """'Sign out everywhere' and the password change check the password: a stolen session cannot guess it freely."""
    client = app.test_client()
    page = client.get("/login")
    assert client.post("/login", data={"username": "desk", "password": PASSWORD, "csrf_token": csrf_of(page.text)}).status_code == 302
    csrf = csrf_of(client.get("/tai-khoan").text)
    for _ in range(5):  # 5 a minute per user
        assert client.post("/tai-khoan/dang-xuat-moi-noi", data={"csrf_token": csrf, "password": "sai"}).status_code == 401
    assert client.post("/doi-mat-khau", data={"csrf_token": csrf, "current": PASSWORD, "new": "mat-khau-moi-2026",
                                               "confirm": "mat-khau-moi-2026"}).status_code == 429
    assert client.post("/tai-khoan/dang-xuat-moi-noi", data={"csrf_token": csrf, "password": PASSWORD}).status_code == 429
