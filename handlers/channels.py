"""The ways a notice leaves the building: e-mail over SMTP, SMS and Zalo through an HTTP gateway.

Settings come from the environment, read when a message is sent (see docs/scheduler.md):

* E-mail: ``MOTCUA_SMTP_HOST`` (no host: no e-mail is sent), ``MOTCUA_SMTP_PORT`` (25),
  ``MOTCUA_SMTP_SECURITY`` (``none``, ``starttls`` or ``ssl``), ``MOTCUA_SMTP_USER``,
  ``MOTCUA_SMTP_PASSWORD``, ``MOTCUA_SMTP_FROM``.
* SMS / Zalo: ``MOTCUA_SMS_URL`` / ``MOTCUA_ZALO_URL`` (no URL: that channel is off),
  ``MOTCUA_SMS_TOKEN`` / ``MOTCUA_ZALO_TOKEN`` (sent as a bearer token), and optionally
  ``MOTCUA_SMS_ADAPTER`` / ``MOTCUA_ZALO_ADAPTER`` = ``package.module:factory`` for a provider
  whose API is not the generic one: ``factory(url, token)`` returns an object with
  ``send(to, text, key) -> reference``.

The generic gateway POSTs JSON ``{"channel", "to", "text", "id"}`` and expects a 2xx answer,
optionally JSON with an ``id`` (kept as the delivery's reference). ``id`` is the outbox
message's id: a gateway that sees it twice (a retry after a lost answer) can drop the copy.
"""

from __future__ import annotations

import importlib
import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from typing import Protocol

TIMEOUT = 20.0


class ChannelError(RuntimeError):
    """A channel refused or failed to take a message (the outbox retries it with back-off)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    user: str = ""
    password: str = ""
    sender: str = "motcua@localhost"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        env = os.environ if env is None else env
        host = (env.get("MOTCUA_SMTP_HOST") or "").strip()
        if not host:
            return None
        security = (env.get("MOTCUA_SMTP_SECURITY") or "none").strip().lower()
        if security not in ("none", "starttls", "ssl"):
            raise ChannelError(f"MOTCUA_SMTP_SECURITY phải là none, starttls hoặc ssl; nhận {security!r}")
        port_text = (env.get("MOTCUA_SMTP_PORT") or ("465" if security == "ssl" else "25")).strip()
        if not port_text.isdigit():
            raise ChannelError(f"MOTCUA_SMTP_PORT phải là số cổng, nhận {port_text!r}")
        return cls(host, int(port_text), security, env.get("MOTCUA_SMTP_USER", ""),
                   env.get("MOTCUA_SMTP_PASSWORD", ""), env.get("MOTCUA_SMTP_FROM") or "motcua@localhost")


def send_email(settings: SmtpSettings, to: str, subject: str, body: str, key: str) -> str:
    """Send one e-mail; return its Message-ID."""
    # MIMEText and Header (the compat32 API): the newer EmailMessage folds a long Vietnamese subject into
    # encoded words that drop the space between two of them ("kết quả" arrives as "kếtquả").
    message = MIMEText(body, "plain", "utf-8")
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # a Header is what keeps the spaces
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=key.replace(":", "."))
    message["X-MotCua-Message"] = key
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
        with client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, settings.password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise ChannelError(f"Máy chủ thư {settings.host}:{settings.port} không nhận thư gửi {to}: {exc}") from exc
    return str(message["Message-ID"])


class Gateway(Protocol):
    def send(self, to: str, text: str, key: str) -> str | None: ...


@dataclass(frozen=True)
class JsonHttpGateway:
    """The generic HTTP gateway: one JSON POST per message."""

    channel: str
    url: str
    token: str = ""

    def send(self, to: str, text: str, key: str) -> str | None:
        body = json.dumps({"channel": self.channel, "to": to, "text": text, "id": key}, ensure_ascii=False)
        request = urllib.request.Request(self.url, data=body.encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8",
                                                  "Idempotency-Key": key})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - the operator's URL
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise ChannelError(f"Cổng {self.channel} {self.url} trả lỗi HTTP {exc.code} cho tin gửi {to}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise ChannelError(f"Không gửi được tin {self.channel} qua {self.url}: {exc}") from exc
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            return None
        reference = answer.get("id") if isinstance(answer, dict) else None
        return str(reference)[:200] if reference is not None else None


def gateway(channel: str, env: Mapping[str, str] | None = None) -> Gateway | None:
    """The configured gateway of ``channel`` (``sms`` or ``zalo``), or None when it is off."""
    env = os.environ if env is None else env
    prefix = f"MOTCUA_{channel.upper()}"
    url = (env.get(f"{prefix}_URL") or "").strip()
    if not url:
        return None
    token = env.get(f"{prefix}_TOKEN", "")
    adapter = (env.get(f"{prefix}_ADAPTER") or "").strip()
    if not adapter:
        return JsonHttpGateway(channel, url, token)
    module, _, name = adapter.partition(":")
    try:
        factory = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ChannelError(f"{prefix}_ADAPTER={adapter!r}: không nạp được ({exc})") from exc
    return factory(url, token)


def configured(env: Mapping[str, str] | None = None) -> set[str]:
    """The channels that can send now: ``email``, ``sms``, ``zalo``."""
    env = os.environ if env is None else env
    out = set()
    if (env.get("MOTCUA_SMTP_HOST") or "").strip():
        out.add("email")
    for channel in ("sms", "zalo"):
        if (env.get(f"MOTCUA_{channel.upper()}_URL") or "").strip():
            out.add(channel)
    return out


__all__ = ["ChannelError", "Gateway", "JsonHttpGateway", "SmtpSettings", "configured", "gateway", "send_email"]
