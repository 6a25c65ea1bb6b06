"""The probe of issue 12 again, against gunicorn with two workers on each test database.

A 100 MB unauthenticated token request is refused unread (fast, no worker grows), and failed logins
count across both workers (the throttle's counters live in the database, not in a worker's memory).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine import Services
from tests.helpers import ROOT

from .conftest import PASSWORD, add_staff
from .test_limits import exchange

MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gunicorn(database: Engine, services: Services) -> Iterator[tuple[tuple[str, int], subprocess.Popen[bytes]]]:
    add_staff(services, services.now())
    port = free_port()
    env = os.environ | {"DATABASE_URL": database.url.render_as_string(hide_password=False),
                        "MOTCUA_SECRET_KEY": secrets.token_urlsafe(48), "PYTHONPATH": str(ROOT)}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60", "api:create_app()"],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            break
        except (OSError, urllib.error.URLError):
            assert process.poll() is None, "gunicorn did not start"
            assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
            time.sleep(0.3)
    yield ("127.0.0.1", port), process
    process.terminate()
    process.wait(timeout=30)


def workers_rss_kb(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0]) for pid in children]


def post_token(address: tuple[str, int], username: str, password: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(f"http://{address[0]}:{address[1]}/api/v1/auth/token", method="POST",
                                     data=json.dumps({"username": username, "password": password}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def test_gunicorn_refuses_100_mb_unread_and_counts_failures_across_workers(gunicorn) -> None:  # type: ignore[no-untyped-def]
    address, process = gunicorn
    before = max(workers_rss_kb(process.pid))
    head = (f"POST /api/v1/auth/token HTTP/1.1\r\nHost: motcua.test\r\nContent-Type: application/json\r\n"
            f"Content-Length: {100 * MIB}\r\nConnection: close\r\n\r\n")
    status, _, raw, took = exchange(address, head, iter([b'{"username": "' + b"a" * MIB]))
    assert status == 413 and took < 3.0 and len(raw) < 1000
    assert json.loads(raw)["error"]["code"] == "payload_too_large"
    assert max(workers_rss_kb(process.pid)) - before < 30_000  # KB

    for _ in range(5):  # two workers, one counter: the sixth attempt is refused whichever worker takes it
        assert post_token(address, "desk", "sai")[0] == 401
    status, headers = post_token(address, "desk", PASSWORD)
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert post_token(address, "spec", PASSWORD)[0] == 200
