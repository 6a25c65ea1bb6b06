"""Statutory forms: number and record each slip or notice under the regime in force at receipt.

They write only to the database, so they run inline: right after the command's
commit, in a transaction of their own (a failure leaves the message to the
worker). The regimes come from ``forms.yaml`` in the configured workflows folder
(``settings.workflows_dir``, set from ``MOTCUA_WORKFLOWS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select

from engine import (
    FORMS,
    UNCONFIRMED,
    Dossier,
    HandlerContext,
    IssuedForm,
    OutboxMessage,
    Services,
    control_slip_content,
    handler,
    ledger_numbers,
    next_serial,
    read_yaml,
)

DEFAULT_WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"  # when settings name no folder

# The short mark printed after the serial number of each slip (e.g. 12/2026/PTN).
SUFFIX = {
    "receipt": "PTN",
    "supplement_request": "PBS",
    "refusal": "PTC",
    "refusal_decision": "TCGQ",
    "apology": "PXL",
    "stop_notice": "TBD",
    "result": "KQ",
    "transfer_note": "CV",
    "control_slip": "PKS",
    "closure_notice": "TBĐHS",
}


@dataclass(frozen=True)
class Regime:
    id: str
    start: date
    end: date | None
    decree: str
    circular: str
    forms: dict[str, dict[str, Any]]


def forms_file(services: Services) -> Path:
    """``forms.yaml`` of the configured workflows folder."""
    return (services.settings.workflows_dir or DEFAULT_WORKFLOWS) / "forms.yaml"


@lru_cache(maxsize=8)
def regimes(path: Path) -> tuple[Regime, ...]:
    """The form regimes of one ``forms.yaml`` (read once per path)."""
    data = read_yaml(path)
    return tuple(
        Regime(r["id"], r["from"], r.get("to"), r["decree"], r["circular"], r["forms"]) for r in data["regimes"]
    )


@lru_cache(maxsize=8)
def provinces(path: Path) -> dict[str, str]:
    """Agency id -> its province (``province`` in ``agencies.yaml`` beside ``forms.yaml``; read once per path)."""
    data = read_yaml(path) if path.is_file() else {}
    return {a["id"]: a["province"] for a in (data or {}).get("agencies", []) if isinstance(a, dict) and a.get("province")}


def regime_on(day: date, path: Path = DEFAULT_WORKFLOWS / "forms.yaml") -> Regime:
    known = regimes(path)
    for regime in reversed(known):
        if regime.start <= day and (regime.end is None or day <= regime.end):
            return regime
    return known[0]


def form_number(regime: Regime, form: str) -> str:
    """'Mẫu 01', or an honest note where the regime has no such form or its number is open."""
    entry = regime.forms.get(form)
    if entry is None:
        return "(không có mẫu quy định)"
    return entry["number"] + (" (chưa xác nhận)" if entry.get("open") else "")


def local_iso(ctx: HandlerContext, value: str | None) -> str | None:
    """A moment from a payload (ISO), as the slips print moments: in the calendar's zone."""
    return datetime.fromisoformat(value).astimezone(ctx.services.calendar.tz).isoformat() if value else None


_DOSSIERS = cast(Table, Dossier.__table__)
_DOSSIER = select(_DOSSIERS).where(_DOSSIERS.c.id == bindparam("dossier_id"))
_INSERT_FORM = insert(cast(Table, IssuedForm.__table__))


def form_content(services: Services, session: Any, dossier: Any, form: str,
                 extra: dict[str, Any]) -> tuple[Regime, dict[str, Any]]:
    """The regime in force at receipt and what a form of ``dossier`` prints (its ``content``), before numbering.

    ``dossier`` is a row or an instance with the dossier's columns. Bulk printing uses it for a control
    slip not filed yet (api/reports/printing.py).
    """
    procedure = services.version(session, dossier.procedure_version_id).procedure
    agency = services.agency(session, dossier.receiving_agency_id)
    competent = services.agency(session, dossier.agency_id)
    tz = services.calendar.tz
    basis: datetime = dossier.received_at or dossier.registered_at
    regime = regime_on(basis.astimezone(tz).date(), forms_file(services))
    case = procedure.variant(dossier.variant or None)
    confirmed = "deadline" not in procedure.unconfirmed
    content = {
        "title": FORMS[form],
        "dossier_code": dossier.code,
        "procedure_code": dossier.procedure_code,
        "procedure_name": procedure.name,
        "variant": procedure.variant(dossier.variant or None).name if procedure.has_variants else None,
        # An unconfirmed deadline ("đang cập nhật") is never printed as if known: no label, no return date.
        "deadline": case.deadline.label() if confirmed else UNCONFIRMED,
        "deadline_confirmed": confirmed,
        "receiving_agency": agency.name,
        "competent_agency": competent.name,
        # The place name before the date: the province of the agency that issues the form (never another province's).
        "place": provinces(forms_file(services).parent / "agencies.yaml").get(
            dossier.agency_id if form == "refusal_decision" else dossier.receiving_agency_id),
        "applicant": dossier.applicant,
        "channel": dossier.channel,
        "documents": dossier.documents,
        "received_at": dossier.received_at.astimezone(tz).isoformat() if dossier.received_at else None,
        "due_at": dossier.due_at.astimezone(tz).isoformat() if dossier.due_at and confirmed else None,
        "regime": {"id": regime.id, "decree": regime.decree, "circular": regime.circular},
    } | extra
    return regime, content


def issue(ctx: HandlerContext, message: OutboxMessage, form: str, extra: dict[str, Any]) -> dict[str, Any]:
    """Number and record one issued form; returns the stored row's values."""
    session = ctx.session
    conn = session.connection()
    dossier = conn.execute(_DOSSIER, {"dossier_id": message.payload["dossier_id"]}).first()
    if dossier is None:
        raise LookupError(f"dossier {message.payload['dossier_id']} does not exist")
    tz = ctx.services.calendar.tz
    basis: datetime = dossier.received_at or dossier.registered_at
    if form == "receipt" and not _issued_before(ctx, dossier.id, "receipt"):  # its line in the desk's tracking ledger: "Vào Sổ theo dõi hồ sơ, Quyển số … Số thứ tự …"
        extra = ledger_numbers(session, dossier.receiving_agency_id, basis.astimezone(tz).date()) | extra
    regime, content = form_content(ctx.services, session, dossier, form, extra)
    year = ctx.now.astimezone(tz).year
    serial = next_serial(session, f"form:{form}:{dossier.receiving_agency_id}:{year}")
    row = {
        "dossier_id": dossier.id,
        "outbox_id": message.id,
        "form": form,
        "form_number": form_number(regime, form),
        "regime": regime.id,
        "number": f"{serial}/{year}/{SUFFIX.get(form, form.upper())}",
        "issued_at": ctx.now,
        "content": content,
    }
    conn.execute(_INSERT_FORM, row)
    return row


@handler("receipt", inline=True)
def receipt(ctx: HandlerContext, message: OutboxMessage) -> None:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả; after a supplement restarts the clock, a new one (``renewal``)
    with the previous appointment and the new return time."""
    payload = message.payload
    extra = {"renewal": True, "previous_due_at": local_iso(ctx, payload.get("previous_due_at"))} if payload.get("renewal") else {}
    issue(ctx, message, "receipt", extra)


@handler("supplement_request", inline=True)
def supplement_request(ctx: HandlerContext, message: OutboxMessage) -> None:
    """Phiếu yêu cầu bổ sung: every missing item in one notice."""
    payload = message.payload
    issue(ctx, message, "supplement_request", {
        "items": payload["items"], "reason": payload.get("reason", ""),
        "wait_until": local_iso(ctx, payload.get("wait_until")), "wait": payload.get("wait"),
    })


@handler("refusal_notice", inline=True)
def refusal_notice(ctx: HandlerContext, message: OutboxMessage) -> None:
    """A refusal with reasons. At intake: the desk's Mẫu 03. After appraisal: the competent agency's own
    written answer (a result document, no one-stop form number), signed by the leader who decided."""
    payload = message.payload
    if payload.get("stage") == "intake":
        issue(ctx, message, "refusal", {"reasons": payload["reasons"], "stage": "intake"})
        return
    issue(ctx, message, "refusal_decision", {
        "reasons": payload["reasons"], "stage": "appraisal", "signer": payload.get("signer") or {},
        "direct": bool(payload.get("direct")),
    })


@handler("apology", inline=True)
def apology(ctx: HandlerContext, message: OutboxMessage) -> None:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả."""
    payload = message.payload
    issue(ctx, message, "apology", {
        "reason": payload["reason"], "new_due_at": local_iso(ctx, payload["new_due_at"]),
        # The appointment it replaces (the dossier row already holds the new one).
        "previous_due_at": local_iso(ctx, payload.get("previous_due_at")), "late": bool(payload.get("late")),
    })


@handler("closure_notice", inline=True)
def closure_notice(ctx: HandlerContext, message: OutboxMessage) -> None:
    """Thông báo đóng hồ sơ: the supplement did not arrive within the waiting period (not a refusal)."""
    payload = message.payload
    issue(ctx, message, "closure_notice", {
        "notice_at": local_iso(ctx, payload.get("notice_at")), "wait_until": local_iso(ctx, payload["wait_until"]),
        "wait": payload.get("wait"),
    })


@handler("stop_notice", inline=True)
def stop_notice(ctx: HandlerContext, message: OutboxMessage) -> None:
    """Thông báo dừng giải quyết hồ sơ (withdrawal)."""
    issue(ctx, message, "stop_notice", {"reason": message.payload["reason"]})


_FORMS = cast(Table, IssuedForm.__table__)
_ISSUED = select(_FORMS.c.id).where(_FORMS.c.dossier_id == bindparam("dossier_id"), _FORMS.c.form == bindparam("form")).limit(1)


def _issued_before(ctx: HandlerContext, dossier_id: int, form: str) -> bool:
    found = ctx.session.connection().execute(_ISSUED, {"dossier_id": dossier_id, "form": form}).first()
    return found is not None


@handler("step_form", inline=True)
def step_form(ctx: HandlerContext, message: OutboxMessage) -> None:
    """A form a step lists in ``forms:`` (kết quả giải quyết, văn bản chuyển hồ sơ), issued once per dossier."""
    form = message.payload["form"]
    if not _issued_before(ctx, message.payload["dossier_id"], form):
        issue(ctx, message, form, {"step": message.payload.get("step"), "step_name": message.payload.get("step_name")})


@handler("control_slip", inline=True)
def control_slip(ctx: HandlerContext, message: OutboxMessage) -> None:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ, attached to the record when the dossier closes."""
    dossier_id = message.payload["dossier_id"]
    if _issued_before(ctx, dossier_id, "control_slip"):
        return
    dossier = ctx.session.get(Dossier, dossier_id)
    if dossier is None:
        raise LookupError(f"dossier {dossier_id} does not exist")
    issue(ctx, message, "control_slip", control_slip_content(ctx.session, dossier, ctx.services.calendar.tz))
