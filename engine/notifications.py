"""Which audit events tell the applicant, and with which notice (handlers/applicant.py sends them).

A command records its events through ``Kernel.record``; for the kinds below it
also queues ``notify.applicant`` in the same transaction, so a notice goes out
only for what was committed, and exactly once (the outbox).
"""

from __future__ import annotations

import os
from typing import Any

APPLICANT_NOTICES = {
    "dossier.received": "receipt",
    "status.request_supplement": "supplement_request",
    "dossier.extended": "apology",
    "status.resolve": "result_ready",
    "status.close_unsupplemented": "closure",
}
CHANNEL_SETTINGS = ("MOTCUA_SMTP_HOST", "MOTCUA_SMS_URL", "MOTCUA_ZALO_URL")


def enabled() -> bool:
    """Whether any channel to applicants is configured (else no notice is queued at all)."""
    return any((os.environ.get(name) or "").strip() for name in CHANNEL_SETTINGS)


def applicant_notice(kind: str, after: dict[str, Any]) -> dict[str, Any] | None:
    """The ``notify.applicant`` payload for an event of ``kind`` (None: no notice)."""
    notice = APPLICANT_NOTICES.get(kind)
    if notice is None:
        return None
    payload: dict[str, Any] = {"notice": notice}
    if after.get("items"):
        payload["items"] = [str(i) for i in after["items"]]
    if after.get("reason"):
        payload["reason"] = str(after["reason"])
    return payload


__all__ = ["APPLICANT_NOTICES", "applicant_notice", "enabled"]
