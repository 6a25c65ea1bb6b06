"""Request bounds (issue 12 §2–3): size limits answered before the body is read, JSON depth, bounded validation.

The oversize tests speak real HTTP to a real server (Werkzeug's, in a thread, as the browser tests do),
on SQLite and PostgreSQL like every test of the app.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.engine.test_yaml_limits import RECURSIVE, billion_laughs

from .conftest import web_login

MIB = 1024 * 1024


@pytest.fixture
def server(app: Flask) -> Iterator[tuple[str, int]]:
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", http.server_port
    http.shutdown()


def rss_kb() -> int:
    """This process's resident memory now (the server runs in it)."""
    fields = Path("/proc/self/status").read_text().split("VmRSS:")[1].split()
    return int(fields[0])


def exchange(address: tuple[str, int], head: str, body_chunks: Iterator[bytes]) -> tuple[int, dict[str, str], bytes, float]:
    """Send a request (head, then the body chunk by chunk until the server stops reading) and read the answer."""
    started = time.perf_counter()
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head.encode("latin-1"))
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: the rest of the body is never read
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
                if b"\r\n\r\n" in data:
                    header, _, rest = data.partition(b"\r\n\r\n")
                    length = next((int(line.split(b":")[1]) for line in header.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), None)
                    if length is not None and len(rest) >= length:
                        break
        except (ConnectionResetError, TimeoutError):
            pass
    took = time.perf_counter() - started
    header, _, rest = data.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, rest, took


def test_a_100_mb_unauthenticated_token_request_is_refused_unread(server: tuple[str, int]) -> None:
    """The probe of issue 12: 100 MB of user name ran 13.5 s and grew the worker to 1.47 GB."""
    before = rss_kb()
    size = 100 * MIB
    head = (f"POST /api/v1/auth/token HTTP/1.1\r\nHost: motcua.test\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n")
    prefix = b'{"username": "' + b"a" * (MIB - 14)

    def body() -> Iterator[bytes]:
        yield prefix  # 1 MiB goes out at most; the server has answered long before the rest would
        for _ in range(3):
            time.sleep(0.05)
            yield b"a" * 65536

    status, headers, raw, took = exchange(server, head, body())
    assert status == 413 and took < 3.0
    error = json.loads(raw)["error"]
    assert error["code"] == "payload_too_large" and "tối đa 1.048.576 byte" in error["message"]
    assert len(raw) < 1000  # nothing echoed back
    assert rss_kb() - before < 30_000  # KB: the body was never held in memory


def test_a_chunked_body_is_cut_at_the_limit(server: tuple[str, int]) -> None:
    """No Content-Length (chunked): the limited stream stops reading at 1 MiB and the answer is 413."""
    head = ("POST /api/v1/auth/token HTTP/1.1\r\nHost: motcua.test\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    piece = b"a" * 65536

    def body() -> Iterator[bytes]:
        yield b"%x\r\n" % 14 + b'{"username": "' + b"\r\n"
        for _ in range(40):  # 2.5 MiB offered
            yield b"%x\r\n" % len(piece) + piece + b"\r\n"
        yield b"0\r\n\r\n"

    status, _, raw, took = exchange(server, head, body())
    assert status == 413 and took < 5.0
    assert json.loads(raw)["error"]["code"] == "payload_too_large"


def test_oversize_web_form_gets_the_vietnamese_page(server: tuple[str, int]) -> None:
    head = (f"POST /login HTTP/1.1\r\nHost: motcua.test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {20 * MIB}\r\nConnection: close\r\n\r\n")
    status, headers, raw, took = exchange(server, head, iter([b"username=" + b"a" * 65536]))
    assert status == 413 and took < 3.0 and headers["content-type"].startswith("text/html")
    page = raw.decode("utf-8")
    assert "Nội dung quá lớn" in page and "vượt quá 1.024 KB" in page


def test_the_analyst_upload_has_its_own_larger_limit(client) -> None:  # type: ignore[no-untyped-def]
    csrf = web_login(client, "analyst")
    big = "a: '" + "x" * (2 * MIB) + "'\n"  # past the 1 MiB of a form, under the 8 MiB of an upload
    page = client.post("/kiem-soat/ban-nhap", data={"csrf_token": csrf, "code": "9.960002", "text": big, "action": "validate"})
    assert page.status_code == 422 and "định nghĩa dài quá 200.000 ký tự" in page.text  # read, and refused by the workbench
    assert client.post("/login", data={"csrf_token": csrf, "username": big}).status_code == 413  # not an upload endpoint
    huge = client.post("/kiem-soat/ban-nhap", data={"csrf_token": csrf, "code": "9.960002", "text": "x" * (9 * MIB)})
    assert huge.status_code == 413 and "vượt quá 8.192 KB" in huge.text


@pytest.mark.parametrize("bomb", ["billion", "recursive"])
def test_the_workbench_reports_yaml_bombs_at_their_line(client, bomb: str) -> None:  # type: ignore[no-untyped-def]
    csrf = web_login(client, "analyst")
    text = billion_laughs() if bomb == "billion" else RECURSIVE
    started = time.perf_counter()
    page = client.post("/kiem-soat/ban-nhap", data={"csrf_token": csrf, "code": "9.960002", "text": text, "action": "validate"})
    assert time.perf_counter() - started < 1.0
    assert page.status_code == 422
    expected = "tệp quá nhiều giá trị" if bomb == "billion" else "alias &#39;*r&#39; tham chiếu vòng"
    assert expected in page.text
    assert "dòng 4, cột 11" in page.text if bomb == "recursive" else "dòng " in page.text


def test_json_nested_100k_deep_is_a_400_not_a_500(client, token) -> None:  # type: ignore[no-untyped-def]
    for path, headers in (("/api/v1/auth/token", {}), ("/api/v1/dossiers", token("desk"))):
        deep = client.post(path, data=b"[" * 100_000 + b"]" * 100_000, content_type="application/json", headers=headers)
        assert deep.status_code == 400
        assert deep.json["error"]["message"] == "JSON lồng quá sâu: hơn 32 cấp mảng/đối tượng (tại byte 32)."
    inside_a_string = {"username": '["' * 35, "password": "{" * 100}  # brackets (and escaped quotes) in strings are text
    assert client.post("/api/v1/auth/token", json=inside_a_string).status_code == 401
    nested: object = "x"
    for _ in range(40):
        nested = {"a": nested}
    answer = client.post("/api/v1/dossiers", json={"procedure_code": "1.001806", "applicant": nested}, headers=token("desk"))
    assert answer.status_code == 400 and "hơn 32 cấp" in answer.json["error"]["message"]


def test_validation_stops_after_20_errors_and_says_so(client, token) -> None:  # type: ignore[no-untyped-def]
    documents = [{"id": f"d{i}", "unknown": i} for i in range(100)]
    answer = client.post("/api/v1/dossiers", json={"procedure_code": "1.001806", "applicant": {"name": "A"},
                                                   "documents": documents}, headers=token("desk"))
    assert answer.status_code == 422
    error = answer.json["error"]
    assert len(error["details"]["errors"]) == 20 and error["details"]["truncated"] is True
    assert error["message"].endswith("(dừng kiểm tra sau 20 lỗi)")
    few = client.post("/api/v1/dossiers", json={"procedure_code": "1.001806", "applicant": {"name": "A"},
                                                "documents": documents[:3]}, headers=token("desk"))
    assert len(few.json["error"]["details"]["errors"]) == 3 and few.json["error"]["details"]["truncated"] is False


def test_limits_are_configurable(services) -> None:  # type: ignore[no-untyped-def]
    from api import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "MAX_BODY_BYTES": 100, "MAX_JSON_DEPTH": 2,
                      "MAX_VALIDATION_ERRORS": 1}, services=services)
    client = app.test_client()
    assert client.post("/api/v1/auth/token", json={"username": "a" * 200, "password": "b"}).status_code == 413
    assert client.post("/api/v1/auth/token", json={"username": [[["a"]]], "password": "b"}).status_code == 400
    wrong = client.post("/api/v1/auth/token", json={"username": 1, "password": 2}).json["error"]
    assert len(wrong["details"]["errors"]) == 1 and wrong["details"]["truncated"] is True


def test_openapi_declares_413_and_429(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/v1/openapi.json").json
    token_op = doc["paths"]["/auth/token"]["post"]["responses"]
    assert "413" in token_op and "429" in token_op and "Retry-After" in token_op["429"]["headers"]
    assert "413" in doc["paths"]["/dossiers"]["post"]["responses"]
    lookup = doc["paths"]["/public/dossiers/{code}"]["get"]
    assert "429" in lookup["responses"] and "Retry-After" in lookup["responses"]["429"]["headers"]
    assert any(p["name"] == "digits" and p["required"] for p in lookup["parameters"])
