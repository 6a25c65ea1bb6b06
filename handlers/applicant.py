"""Notices to the applicant (receipt, supplement request, apology, result ready, closure) by the channels they gave.

A command's audit event queues ``notify.applicant`` (see ``engine.notifications``).
That handler is inline (it only writes here): it renders the notice from its
template and queues one worker-only message per channel the applicant gave and
the agency has configured: ``notify.email`` (an e-mail address), ``notify.sms``
(a phone number), ``notify.zalo`` (a Zalo number). Those leave the building, so
each attempt gets a delivery record and a failure is retried with back-off
(``engine.outbox``).
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert

from engine import Dossier, HandlerContext, OutboxMessage, handler

from .channels import ChannelError, SmtpSettings, configured, gateway, send_email
from .notices import render

log = logging.getLogger(__name__)
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
CONTACT = {"email": "email", "sms": "phone", "zalo": "zalo"}  # channel -> the applicant's field


def _local(ctx: HandlerContext, moment: datetime | None) -> str:
    return moment.astimezone(ctx.services.calendar.tz).strftime("%H:%M ngày %d/%m/%Y") if moment else ""


@handler("notify.applicant", inline=True)
def notify_applicant(ctx: HandlerContext, message: OutboxMessage) -> None:
    p: dict[str, Any] = message.payload
    dossier = ctx.session.get(Dossier, p["dossier_id"])
    if dossier is None:
        return
    applicant = dossier.applicant or {}
    channels = [c for c in ("email", "sms", "zalo") if c in configured() and str(applicant.get(CONTACT[c], "")).strip()]
    if not channels:
        return
    loaded = ctx.services.version(ctx.session, dossier.procedure_version_id)
    public = (os.environ.get("MOTCUA_PUBLIC_URL") or "").rstrip("/")
    values = {
        "code": dossier.code, "name": applicant.get("name", ""), "procedure": loaded.procedure.name,
        "agency": ctx.services.agency(ctx.session, dossier.agency_id).name,
        "due": _local(ctx, dossier.due_at) if loaded.procedure.confirmed else "",
        "lookup": f"{public}/tra-cuu/{dossier.code}" if public else "",
        "items": "; ".join(p.get("items") or []), "reason": p.get("reason") or "",
    }
    title, body = render(ctx.services, f"applicant.{p['notice']}", values)
    ctx.session.connection().execute(insert(OUTBOX), [{
        "handler": f"notify.{channel}", "dossier_id": dossier.id, "created_at": ctx.now, "available_at": ctx.now,
        "attempts": 0, "state": "pending",
        "payload": {"to": str(applicant[CONTACT[channel]]).strip(), "subject": title, "body": body,
                    "notice": p["notice"], "code": dossier.code},
    } for channel in channels])


@handler("notify.email")
def notify_email(ctx: HandlerContext, message: OutboxMessage) -> str | None:
    settings = SmtpSettings.from_env()
    if settings is None:
        raise ChannelError("Chưa cấu hình máy chủ thư (MOTCUA_SMTP_HOST); thư chưa được gửi.")
    p = message.payload
    return send_email(settings, p["to"], p["subject"], p["body"], f"motcua-{message.id}")


def _via_gateway(channel: str, message: OutboxMessage) -> str | None:
    found = gateway(channel)
    if found is None:
        raise ChannelError(f"Chưa cấu hình cổng {channel} (MOTCUA_{channel.upper()}_URL); tin chưa được gửi.")
    p = message.payload
    return found.send(p["to"], f"{p['subject']}. {p['body']}", f"motcua-{message.id}")


@handler("notify.sms")
def notify_sms(ctx: HandlerContext, message: OutboxMessage) -> str | None:
    return _via_gateway("sms", message)


@handler("notify.zalo")
def notify_zalo(ctx: HandlerContext, message: OutboxMessage) -> str | None:
    return _via_gateway("zalo", message)
