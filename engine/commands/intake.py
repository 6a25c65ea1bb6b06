"""Intake at the one-stop desk: receive (Mẫu 01), refuse to receive (Mẫu 03), incomplete (Mẫu 02)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..audit import digest
from ..errors import InvalidCommand
from ..events import DOSSIER_RECEIVED, DOSSIER_REFUSED_AT_INTAKE, DOSSIER_REGISTERED, EventKind
from ..services import LoadedVersion
from ..storage.models import Counter, Dossier, table
from ..units import units
from ..vocabulary import Channel, Status
from .base import Command, handles
from .kernel import Kernel, documents, nonempty
from .supplement import ask_for_supplement

Documents = Sequence[dict[str, Any] | str]


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    email: str = ""
    zalo: str = ""  # a Zalo number, when the applicant wants notices there (handlers/applicant.py)
    organisation: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Applicant:
        if not isinstance(data, dict) or not str(data.get("name", "")).strip():
            raise InvalidCommand("Thiếu tên người nộp hồ sơ (applicant.name).")
        known = {k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__ and v is not None}
        return cls(**known)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class Receive(Command):
    """Receive a complete dossier: code, statutory due time, route started, receipt queued.

    ``variant`` names the procedure's case when it has several (e.g. cấp mới / giải thể).
    """

    action = "receive"
    procedure_code: str
    applicant: dict[str, Any]
    channel: str = Channel.DIRECT
    documents: Documents = ()
    received_at: datetime | None = None
    note: str = ""
    variant: str | None = None
    competent_agency: str | None = None  # the commune (district) competent, when the procedure names a level


@dataclass(frozen=True)
class RefuseIntake(Command):
    """Refuse to receive (Mẫu 03): the dossier is recorded as not received, with reasons."""

    action = "receive"
    procedure_code: str
    applicant: dict[str, Any]
    reasons: Sequence[str] = field(default=())
    channel: str = Channel.DIRECT
    documents: Documents = ()
    variant: str | None = None
    competent_agency: str | None = None


@dataclass(frozen=True)
class RequestSupplementAtIntake(Command):
    """Incomplete at the desk: record the dossier and ask for everything missing in one notice (Mẫu 02).

    No statutory clock runs; when the complete supplement arrives, ``ReceiveSupplement``
    receives the dossier (status ``received``), starts the clock and the route, and issues the receipt.
    """

    action = "receive"
    procedure_code: str
    applicant: dict[str, Any]
    items: Sequence[str] = ()
    reason: str = ""
    channel: str = Channel.DIRECT
    documents: Documents = ()
    variant: str | None = None
    competent_agency: str | None = None


@handles(Receive, "receive")
def receive(cmd: Receive, k: Kernel) -> Dossier:
    if cmd.received_at is not None:
        k.now = cmd.received_at
    dossier, loaded = new_dossier(k, cmd.procedure_code, cmd.applicant, cmd.channel, cmd.documents, cmd.variant,
                                  cmd.competent_agency)
    k.start_clock(dossier, loaded)
    register(k, dossier, Status.RECEIVED, DOSSIER_RECEIVED, {"note": cmd.note})
    k.start_route(dossier, loaded)
    return dossier


@handles(RefuseIntake, "refuse_intake")
def refuse_intake(cmd: RefuseIntake, k: Kernel) -> Dossier:
    reasons = nonempty(cmd.reasons, "lý do từ chối")
    dossier, _ = new_dossier(k, cmd.procedure_code, cmd.applicant, cmd.channel, cmd.documents, cmd.variant,
                                  cmd.competent_agency)
    register(k, dossier, Status.NOT_RECEIVED, DOSSIER_REFUSED_AT_INTAKE, {"reasons": reasons})
    k.outbox(dossier, "refusal_notice", {"dossier_id": dossier.id, "reasons": reasons, "stage": "intake"})
    return dossier


@handles(RequestSupplementAtIntake, "request_supplement_at_intake")
def request_supplement_at_intake(cmd: RequestSupplementAtIntake, k: Kernel) -> Dossier:
    dossier, loaded = new_dossier(k, cmd.procedure_code, cmd.applicant, cmd.channel, cmd.documents, cmd.variant,
                                  cmd.competent_agency)
    register(k, dossier, Status.REGISTERED, DOSSIER_REGISTERED, {"at_desk": True})
    ask_for_supplement(k, dossier, loaded, cmd.items, cmd.reason)
    return dossier


# ---------------------------------------------------------------------- a new dossier

def new_dossier(k: Kernel, procedure_code: str, applicant: dict[str, Any], channel: str, docs: Documents,
                variant: str | None, competent_agency: str | None = None) -> tuple[Dossier, LoadedVersion]:
    """A dossier for the version in force today, coded by the receiving agency (not yet stored)."""
    if channel not in tuple(Channel):
        raise InvalidCommand(f"Hình thức nộp không hợp lệ '{channel}' ({', '.join(Channel)}).")
    person = Applicant.from_dict(applicant)
    s, session, now = k.s, k.session, k.now
    local_day = now.astimezone(s.calendar.tz).date()
    row = s.version_in_force(session, procedure_code, local_day)
    if row.abolished_from is not None and row.abolished_from <= local_day:
        raise InvalidCommand(
            f"Thủ tục {procedure_code} đã bị bãi bỏ từ {row.abolished_from:%d/%m/%Y} ({row.decision or 'quyết định bãi bỏ'}); không nhận hồ sơ mới.",
            code=procedure_code,
        )
    loaded = s.version(session, row.id)
    procedure = loaded.procedure
    if not procedure.confirmed and not s.settings.allow_unconfirmed:
        raise InvalidCommand(
            f"Thủ tục {procedure_code} chưa được xác nhận thời hạn/quy trình (đang cập nhật); "
            "quản trị viên chưa cho phép nhận hồ sơ thủ tục chưa xác nhận."
        )
    try:
        case = procedure.variant(variant)
    except KeyError as choices:
        raise InvalidCommand(
            f"Thủ tục {procedure_code} có nhiều trường hợp; hãy chọn một: {choices.args[0]}."
            if variant is None else f"Thủ tục {procedure_code} không có trường hợp '{variant}' (có: {choices.args[0]}).",
            variants=[v.id for v in procedure.variants],
        ) from None
    if channel not in procedure.channels and "channels" not in procedure.unconfirmed:
        raise InvalidCommand(f"Thủ tục {procedure_code} không nhận hồ sơ qua hình thức '{channel}'.")
    found = units(s.settings.workflows_dir)
    levels = [] if found.competent(procedure.agency, local_day) is not None else \
        found.levels_of((step.agency for step in case.steps if step.agency != procedure.agency), local_day)
    if levels:  # a chain whose steps run at a commune (district): the unit chosen now takes them
        competent = procedure.agency
        step_units: dict[str, str] | None = {
            level: competent_unit(k, level, procedure_code, local_day, competent_agency, chain=True) for level in levels}
    else:
        competent, step_units = competent_unit(k, procedure.agency, procedure_code, local_day, competent_agency), None
    agency = s.agency(session, k.actor.agency or competent)
    serial = take_serial(k, f"dossier:{agency.id}:{local_day:%y%m%d}")
    dossier = Dossier(
        code=f"{agency.eid}-{local_day:%y%m%d}-{serial:04d}",
        procedure_version_id=row.id,
        procedure_code=procedure.code,
        variant=case.id,
        agency_id=competent,
        receiving_agency_id=agency.id,
        step_units=step_units,
        channel=str(channel),
        applicant=person.as_dict(),
        documents=documents(docs, now, known={d["id"] for d in procedure.documents}),
        registered_at=now,
        supplement_count=0,
        audit_seq=0,
        audit_head="",
    )
    return dossier, loaded


def competent_unit(k: Kernel, level_agency: str, procedure_code: str, day: date, chosen: str | None,
                   chain: bool = False) -> str:
    """The agency competent for a new dossier. A procedure of a commune (district) names the level's agency;
    the dossier goes to one unit of the list in force on ``day``: the one chosen, else the receiving desk's own.
    ``chain``: the unit that takes the steps of that level in another agency's route (e.g. 2.000286)."""
    candidates = units(k.s.settings.workflows_dir).competent(level_agency, day)
    if candidates is None:
        if chosen not in (None, "", level_agency):
            raise InvalidCommand(f"Thủ tục {procedure_code} do cơ quan '{level_agency}' giải quyết, không phải '{chosen}'.",
                                 competent_agency=chosen)
        return level_agency
    if chosen:
        if chosen not in candidates:
            raise InvalidCommand(
                f"'{chosen}' không phải đơn vị hành chính có thẩm quyền giải quyết thủ tục {procedure_code} "
                f"vào ngày {day:%d/%m/%Y} (danh mục xã, phường/huyện của tỉnh theo workflows/units.yaml).",
                competent_agency=chosen,
            )
        return chosen
    if k.actor.agency in candidates:
        return k.actor.agency
    if chain:
        raise InvalidCommand(
            f"Quy trình của thủ tục {procedure_code} có các bước do UBND cấp xã (cấp huyện) thực hiện: hãy chọn xã, phường "
            "(huyện) thực hiện các bước đó (competent_agency), vì mỗi đơn vị hành chính là một cơ quan riêng.",
            parameter="competent_agency",
        )
    raise InvalidCommand(
        f"Thủ tục {procedure_code} do UBND cấp xã (cấp huyện) giải quyết: hãy chọn xã, phường (huyện) có thẩm quyền "
        "(competent_agency), vì mỗi đơn vị hành chính là một cơ quan riêng.", parameter="competent_agency",
    )


def register(k: Kernel, dossier: Dossier, status: str, kind: EventKind, extra: dict[str, Any]) -> None:
    """Store a new dossier in its first status and open its audit chain."""
    dossier.status = status
    k.rows.insert_dossier(dossier)  # its id, for the audit event and the tasks
    k.record(dossier, kind, {}, snapshot(dossier) | extra)


def snapshot(dossier: Dossier) -> dict[str, Any]:
    return {
        "code": dossier.code, "status": dossier.status, "procedure": dossier.procedure_code, "variant": dossier.variant,
        "procedure_version": dossier.procedure_version_id, "agency": dossier.agency_id,
        "channel": dossier.channel, "received_at": dossier.received_at, "due_at": dossier.due_at,
        "documents": [d["id"] for d in dossier.documents],
        "applicant_digest": digest(dossier.applicant),  # an edit of the applicant no event explains shows in `audit verify`
    } | ({"step_units": dossier.step_units} if dossier.step_units else {})  # a chain's commune steps: which commune


def take_serial(k: Kernel, scope: str) -> int:
    """A dossier serial in its own short transaction, so concurrent receipts at one agency
    do not wait for each other's whole command. A receipt that fails afterwards leaves an
    unused number (a gap), never a duplicate. SQLite has one writer at a time anyway:
    there the serial is taken in the command's own transaction (no gap, one commit less)."""
    if k.session.get_bind().dialect.name == "sqlite":
        return next_serial(k.session, scope)
    with k.s.sessions() as own:
        serial = next_serial(own, scope)
        own.commit()
    return serial


def next_serial(session: Session, scope: str) -> int:
    """Atomically take the next number of a counter (dossier codes, form numbers)."""
    dialect = session.get_bind().dialect.name
    stmt = _SERIAL_UPSERT.get(dialect)
    if stmt is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        counters = table(Counter)
        stmt = insert(counters).values(scope=bindparam("scope"), last=1)
        stmt = stmt.on_conflict_do_update(index_elements=[counters.c.scope], set_={"last": counters.c.last + 1}).returning(counters.c.last)
        _SERIAL_UPSERT[dialect] = stmt
    return int(session.connection().execute(stmt, {"scope": scope}).scalar_one())


_SERIAL_UPSERT: dict[str, Any] = {}

__all__ = ["Applicant", "Receive", "RefuseIntake", "RequestSupplementAtIntake", "new_dossier", "next_serial"]
