"""The statutory books: the tracking ledger (Sổ theo dõi hồ sơ) and the process control slip (Phiếu kiểm soát).

Both follow the regime in force on the dossier's receipt date (LEGAL.md §1): the ledger is Mẫu 06
of Circular 01/2018/TT-VPCP, then Mẫu 07 of Circular 03/2025/TT-VPCP; the control slip Mẫu 05,
then Mẫu 06. Their columns are those of the 2025 wording (QĐ 3621/QĐ-BYT, BM.05 and BM.06:
``legal_texts/5fc0868aeac2f15a.md``); the 2018 annex is not among the shared texts [Open: same columns assumed].

The ledger's book is one per receiving desk and year ("Quyển số 01/2026" [Open: a desk keeping several
books a year would need a setting]); its serial is taken when the receipt is issued and printed on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlalchemy.orm import Session

from ..events import label as event_label
from ..labels import CHANNELS, OUTCOMES, TIMELINESS, role_label
from ..storage.models import AgencyRow, AuditEvent, Dossier, IssuedForm, Task, table
from .periods import Period

LEDGER_FORMS = {"nd61-2018": "Mẫu 06 (Thông tư 01/2018/TT-VPCP)", "nd118-2025": "Mẫu 07 (Thông tư 03/2025/TT-VPCP)"}
SLIP_FORMS = {"nd61-2018": "Mẫu 05 (Thông tư 01/2018/TT-VPCP)", "nd118-2025": "Mẫu 06 (Thông tư 03/2025/TT-VPCP)"}
# Events of the audit log the control slip notes beside the hand-overs.
NOTED = ("status.request_supplement", "supplement.received", "dossier.extended", "dossier.competence_transferred",
         "status.request_withdrawal", "status.stop", "status.resolve", "status.return_result")


def ledger_numbers(session: Session, agency: str, received: date) -> dict[str, Any]:
    """Book and serial of a receipt in its desk's ledger (taken once, when the receipt is issued)."""
    from ..commands.intake import next_serial

    serial = next_serial(session, f"ledger:{agency}:{received.year}")
    return {"ledger_book": f"01/{received.year}", "ledger_serial": serial}


@dataclass(frozen=True)
class LedgerRow:
    serial: int | None
    book: str
    code: str
    procedure: str
    applicant: str
    contact: str
    competent: str
    received_at: datetime | None
    due_at: str | None
    returned_at: datetime | None
    result_channel: str
    form: str


def ledger(conn: Connection, agency: str, period: Period, tz: tzinfo, procedure_names: dict[str, str]) -> list[LedgerRow]:
    """The desk's ledger for a period: every receipt it issued for a dossier received in the period, by serial."""
    forms = table(IssuedForm)
    d, f, a = table(Dossier).c, forms.c, table(AgencyRow).c
    start, end = period.instants(tz)
    names = dict(conn.execute(select(a.id, a.name)).all())
    query = (
        select(d.code, d.procedure_code, d.applicant, d.agency_id, d.received_at, d.returned_at, d.channel,
               f.content, f.regime)
        .join(forms, and_(f.dossier_id == d.id, f.form == "receipt"))
        .where(d.receiving_agency_id == agency, d.received_at >= start, d.received_at < end)
        .order_by(f.id)
    )
    rows, seen = [], set()
    for r in conn.execute(query):
        if r.code in seen:  # a new appointment after a supplement re-issues the receipt: one line per dossier
            continue
        seen.add(r.code)
        person = r.applicant or {}
        content = r.content or {}
        rows.append(LedgerRow(
            serial=content.get("ledger_serial"), book=content.get("ledger_book", ""), code=r.code,
            procedure=f"{r.procedure_code} – {procedure_names.get(r.procedure_code, '')}".rstrip(" –"),
            applicant=person.get("organisation") or person.get("name", ""),
            contact=" / ".join(x for x in (person.get("address", ""), person.get("phone", "")) if x),
            competent=names.get(r.agency_id, r.agency_id), received_at=r.received_at, due_at=content.get("due_at"),
            returned_at=r.returned_at, result_channel=CHANNELS.get(r.channel, r.channel),
            form=LEDGER_FORMS.get(r.regime, r.regime),
        ))
    return sorted(rows, key=lambda row: (row.book, row.serial or 0))


@dataclass(frozen=True)
class Handover:
    unit: str
    given_by: str
    received_by: str
    at: datetime
    done_at: datetime | None
    due_at: datetime | None
    timeliness: str
    note: str


def control_slip(session: Session, dossier: Dossier, tz: tzinfo, user_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The process control slip of a dossier from its tasks (each hand-over) and its audit log (the notes).

    Reads the names of the agencies and people the slip mentions, not every agency and account
    (``user_names``, when given, is used instead of reading the people's names)."""
    tasks_table = table(Task)
    t, e, a = tasks_table.c, table(AuditEvent).c, table(AgencyRow).c
    conn = session.connection()
    tasks = list(conn.execute(select(tasks_table).where(t.dossier_id == dossier.id).order_by(t.id)))
    noted = list(conn.execute(select(e.at, e.action, e.actor).where(e.dossier_id == dossier.id, e.action.in_(NOTED))
                              .order_by(e.seq)))
    wanted = {dossier.agency_id, dossier.receiving_agency_id} | {task.agency_id for task in tasks}
    agencies = dict(conn.execute(select(a.id, a.name).where(a.id.in_(sorted(wanted)))).all())
    if user_names is None:
        people = {p for task in tasks for p in (task.claimed_by, task.completed_by) if p} | {ev.actor for ev in noted if ev.actor}
        user_names = names_of(session, people)

    def who(user: str | None) -> str:
        return user_names.get(user or "", user or "")

    rows: list[Handover] = []
    previous = "Bộ phận tiếp nhận và trả kết quả"
    for task in tasks:
        unit = task.unit or agencies.get(task.agency_id, task.agency_id)
        receiver = who(task.claimed_by or task.completed_by) or role_label(task.role)
        state = {"cancelled": "Đã hủy", "waiting": "Tạm dừng chờ bổ sung"}.get(task.state, "")
        outcome = OUTCOMES.get(task.outcome or "", task.outcome or "")
        rows.append(Handover(
            unit=f"{task.name} – {unit}", given_by=previous, received_by=receiver, at=task.ready_at,
            done_at=task.completed_at, due_at=task.due_at,
            timeliness=TIMELINESS.get(task.timeliness or "", "Không tính thời gian" if task.due_at is None else ""),
            note="; ".join(x for x in (outcome, state, task.note or "") if x),
        ))
        if task.state == "completed":
            previous = receiver
    notes = [(ev.at, event_label(ev.action), who(ev.actor) or ev.actor) for ev in noted]
    others = sorted({task.agency_id for task in tasks} - {dossier.agency_id, dossier.receiving_agency_id})
    return {
        "code": dossier.code,
        "competent": agencies.get(dossier.agency_id, dossier.agency_id),
        "coordinating": [agencies.get(x, x) for x in others],
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "rows": rows,
        "notes": notes,
    }


def slip_content(slip: dict[str, Any]) -> dict[str, Any]:
    """The slip as stored on the issued form (JSON: times as ISO strings)."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "competent": slip["competent"], "coordinating": slip["coordinating"],
        "rows": [{"unit": r.unit, "given_by": r.given_by, "received_by": r.received_by, "at": iso(r.at),
                  "done_at": iso(r.done_at), "due_at": iso(r.due_at), "timeliness": r.timeliness, "note": r.note}
                 for r in slip["rows"]],
        "notes": [{"at": iso(at), "what": what, "who": who} for at, what, who in slip["notes"]],
    }


def control_slip_content(session: Session, dossier: Dossier, tz: tzinfo) -> dict[str, Any]:
    """The slip of ``dossier`` as filed on its record (handlers/forms.py)."""
    return slip_content(control_slip(session, dossier, tz))


def user_names(session: Session) -> dict[str, str]:
    from ..storage.accounts import User

    return dict(session.execute(select(User.id, User.name)).all())


def names_of(session: Session, ids: set[str]) -> dict[str, str]:
    """The display names of these accounts (the ones a slip mentions, not every account)."""
    from ..storage.accounts import User

    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(sorted(ids)))).all())


__all__ = ["LEDGER_FORMS", "SLIP_FORMS", "Handover", "LedgerRow", "control_slip", "control_slip_content", "ledger",
           "ledger_numbers",
           "names_of", "slip_content", "user_names"]
