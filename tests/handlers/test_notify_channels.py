"""Notices to the applicant by e-mail (a real SMTP server, aiosmtpd), SMS and Zalo (a real local HTTP gateway).

Each channel is a worker-only outbox handler: delivery records, failure, back-off, retry.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine import dispatch_pending
from engine.outbox import deliveries
from engine.simulate import Driver
from engine.storage.models import OutboxMessage
from handlers.channels import ChannelError, JsonHttpGateway, SmtpSettings, gateway
from tests.helpers import APPLICANT, load, local

PERSON = APPLICANT | {"email": "hoa.nguyen@example.vn", "zalo": "0912000111"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A real SMTP server on localhost; MOTCUA_SMTP_* point at it."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("MOTCUA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MOTCUA_SMTP_PORT", str(port))
    monkeypatch.setenv("MOTCUA_SMTP_FROM", "motcua@so-y-te.example.vn")
    try:
        yield box
    finally:
        controller.stop()


class Gateway:
    """A local HTTP gateway: records each POST; answers 500 to the first ``fail`` ones."""

    def __init__(self, fail: int = 0) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.fail = fail
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                outer.received.append(json.loads(body))
                outer.headers.append(dict(self.headers))
                answer = json.dumps({"id": f"gw-{len(outer.received)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sms(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    gw = Gateway(fail=1)  # the first SMS fails: the outbox retries it
    monkeypatch.setenv("MOTCUA_SMS_URL", gw.url)
    monkeypatch.setenv("MOTCUA_SMS_TOKEN", "bi-mat")
    yield gw
    gw.close()


@pytest.fixture
def zalo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    gw = Gateway()
    monkeypatch.setenv("MOTCUA_ZALO_URL", gw.url)
    yield gw
    gw.close()


def messages(services, handler):  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return list(session.execute(select(OutboxMessage).where(OutboxMessage.handler == handler)
                                    .order_by(OutboxMessage.id)).scalars())


def test_receipt_by_email_sms_and_zalo_with_delivery_records(services, commands, staff, clock, smtp, sms, zalo):
    dossier = commands.receive(staff["one_stop"], "1.001806", PERSON)
    assert smtp.messages == []  # nothing leaves the building inside a command
    dispatch_pending(services)
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["Subject"] == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert mail["To"] == "hoa.nguyen@example.vn" and smtp.envelopes[0][1] == ["hoa.nguyen@example.vn"]
    text = mail.get_content()
    assert "Kính gửi Nguyễn Thị Hoa" in text and "08:00 ngày 16/03/2026" in text
    assert zalo.received[0]["to"] == "0912000111" and zalo.received[0]["channel"] == "zalo"
    # The SMS gateway failed once: a failed delivery, the message waits out its back-off.
    assert sms.received == []
    [message] = messages(services, "notify.sms")
    with services.sessions() as session:
        assert [d.outcome for d in deliveries(session, message.id)] == ["failed"]
    assert message.state == "pending" and "HTTP 500" in (message.last_error or "")
    dispatch_pending(services)
    assert sms.received == []  # not before its time
    clock.advance(seconds=10)
    dispatch_pending(services)
    assert sms.received[0]["to"] == APPLICANT["phone"] and dossier.code in sms.received[0]["text"]
    assert sms.headers[0]["Authorization"] == "Bearer bi-mat"
    assert sms.received[0]["id"] == f"motcua-{message.id}"  # the idempotency key
    with services.sessions() as session:
        records = deliveries(session, message.id)
        assert [(d.outcome, d.reference) for d in records] == [("failed", None), ("sent", "gw-1")]
        [mail_message] = messages(services, "notify.email")
        assert deliveries(session, mail_message.id)[0].reference == mail["Message-ID"]
    dispatch_pending(services)
    assert len(smtp.messages) == 1 and len(sms.received) == 1 and len(zalo.received) == 1  # once each


def test_every_notice_of_a_dossier_reaches_the_applicant(services, commands, staff, clock, smtp):
    dossier = commands.receive(staff["one_stop"], "1.001806", PERSON)
    driver = Driver(commands, staff)
    driver.run(dossier, until="appraise")
    driver.take(dossier, outcome="request_supplement", supplement_items=["Bản sao giấy chứng nhận đăng ký"])
    commands.receive_supplement(staff["one_stop"], dossier.code, ["Bản sao giấy chứng nhận đăng ký"])
    clock.set(local(2026, 3, 4, 9, 0))
    commands.extend(staff["specialist"], dossier.code, local(2026, 3, 27, 16, 0), "Cần xác minh thực tế")
    driver.run(dossier, until="return")
    dispatch_pending(services)
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects == [
        f"Hồ sơ {dossier.code} đã được tiếp nhận",
        f"Hồ sơ {dossier.code} cần bổ sung",
        f"Xin lỗi và hẹn lại ngày trả kết quả hồ sơ {dossier.code}",
        f"Hồ sơ {dossier.code} đã có kết quả",
    ]
    assert "Bản sao giấy chứng nhận đăng ký" in smtp.messages[1].get_content()
    assert "16:00 ngày 27/03/2026" in smtp.messages[2].get_content()


def test_no_contact_or_no_channel_sends_nothing(services, commands, staff, smtp, monkeypatch):
    commands.receive(staff["one_stop"], "1.001806", APPLICANT)  # a phone, but no SMS gateway configured
    dispatch_pending(services)
    assert smtp.messages == [] and messages(services, "notify.sms") == []


def test_administrator_template_overrides_the_packaged_one(services, commands, staff, smtp, tmp_path):
    (tmp_path / "applicant.receipt.txt").write_text(
        "Biên nhận hồ sơ {{ code }}\nXin chào {{ name }}, hẹn trả: {{ due }}.\n", encoding="utf-8")
    services.settings.notices_dir = tmp_path
    dossier = commands.receive(staff["one_stop"], "1.001806", PERSON)
    dispatch_pending(services)
    assert smtp.messages[0]["Subject"] == f"Biên nhận hồ sơ {dossier.code}"
    assert smtp.messages[0].get_content().strip() == "Xin chào Nguyễn Thị Hoa, hẹn trả: 08:00 ngày 16/03/2026."


def test_smtp_down_is_a_failed_delivery_retried_later(services, commands, staff, clock, monkeypatch):
    monkeypatch.setenv("MOTCUA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MOTCUA_SMTP_PORT", str(free_port()))  # nobody listens
    commands.receive(staff["one_stop"], "1.001806", PERSON)
    dispatch_pending(services)
    [message] = messages(services, "notify.email")
    assert message.state == "pending" and message.attempts == 1
    assert "Máy chủ thư 127.0.0.1" in (message.last_error or "")


def test_gateway_settings():
    assert gateway("sms", {}) is None
    found = gateway("zalo", {"MOTCUA_ZALO_URL": "http://gw.example/zalo", "MOTCUA_ZALO_TOKEN": "t"})
    assert found == JsonHttpGateway("zalo", "http://gw.example/zalo", "t")
    custom = gateway("sms", {"MOTCUA_SMS_URL": "http://x", "MOTCUA_SMS_ADAPTER": "handlers.channels:JsonHttpGateway"})
    assert isinstance(custom, JsonHttpGateway)
    with pytest.raises(ChannelError, match="MOTCUA_SMS_ADAPTER"):
        gateway("sms", {"MOTCUA_SMS_URL": "http://x", "MOTCUA_SMS_ADAPTER": "no.such:thing"})
    with pytest.raises(ChannelError, match="MOTCUA_SMTP_SECURITY"):
        SmtpSettings.from_env({"MOTCUA_SMTP_HOST": "mail", "MOTCUA_SMTP_SECURITY": "tls1"})
    assert SmtpSettings.from_env({"MOTCUA_SMTP_HOST": "mail", "MOTCUA_SMTP_SECURITY": "ssl"}).port == 465  # type: ignore[union-attr]


def test_the_scheduler_closes_an_unsupplemented_dossier_and_tells_the_applicant(services, commands, staff, clock, smtp):
    from engine.scheduler import run_sweep

    dossier = commands.receive(staff["one_stop"], "1.001806", PERSON)
    driver = Driver(commands, staff)
    driver.run(dossier, until="appraise")
    driver.take(dossier, outcome="request_supplement", supplement_items=["Bản sao giấy chứng nhận đăng ký"])
    clock.set(local(2026, 3, 20, 9, 0))  # 14 working days after the notice: not yet
    assert run_sweep(services).closed == []
    clock.set(local(2026, 4, 30, 9, 0))  # long after the 15 working days
    assert run_sweep(services).closed == [dossier.code]
    assert load(services, dossier.code).status == "closed"
    dispatch_pending(services)
    assert smtp.messages[-1]["Subject"] == f"Hồ sơ {dossier.code} đã đóng do không bổ sung"
    assert run_sweep(services).closed == []
