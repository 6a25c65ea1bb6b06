"""Staff search: by dossier code, applicant name (diacritics-insensitive), ID number, phone, procedure, status, dates.

The name, ID number and phone are kept folded in ``report_dossiers`` by the commands (``facts``), so the
search is plain indexed SQL on both databases; what the actor may see is the access policy's
``visible_dossiers``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, select

from .. import policy
from ..policy import Actor
from ..storage.models import Dossier, ProcedureVersion, table
from ..text import fold
from .tables import FACTS

LIMIT = 500  # rows shown and exported at most (say so when reached)


@dataclass(frozen=True)
class Criteria:
    code: str = ""
    name: str = ""
    id_number: str = ""
    phone: str = ""
    procedure: str = ""
    status: str = ""
    received_from: date | None = None
    received_to: date | None = None

    @property
    def empty(self) -> bool:
        return not any((self.code, self.name, self.id_number, self.phone, self.procedure, self.status,
                        self.received_from, self.received_to))


def search(conn: Connection, actor: Actor, c: Criteria, tz: tzinfo, limit: int = LIMIT) -> list[dict[str, Any]]:
    d, f, v = table(Dossier).c, FACTS.c, table(ProcedureVersion).c
    query = (
        select(d.code, d.status, d.applicant, d.procedure_code, v.name.label("procedure_name"), d.channel, d.agency_id,
               d.registered_at, d.received_at, d.due_at, d.returned_at, d.timeliness)
        .select_from(table(Dossier).join(FACTS, f.dossier_id == d.id).join(table(ProcedureVersion), v.id == d.procedure_version_id))
        .where(policy.visible_dossiers(actor))
    )
    code = c.code.strip().upper()
    if code:
        query = query.where(f.code >= code, f.code < code + "\uffff")  # a prefix: the index serves it
    if c.name.strip():
        query = query.where(f.applicant_fold.contains(fold(c.name), autoescape=True))
    if c.id_number.strip():
        query = query.where(f.id_number == c.id_number.strip())
    if c.phone.strip():
        query = query.where(f.phone == c.phone.strip().replace(" ", ""))
    if c.procedure.strip():
        query = query.where(f.procedure_code == c.procedure.strip())
    if c.status:
        query = query.where(d.status == c.status)
    if c.received_from:
        query = query.where(f.registered_at >= datetime.combine(c.received_from, time(), tz))
    if c.received_to:
        query = query.where(f.registered_at < datetime.combine(c.received_to + timedelta(days=1), time(), tz))
    query = query.order_by(f.registered_at.desc(), f.dossier_id.desc()).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def to_xlsx(rows: list[dict[str, Any]], tz: tzinfo, criteria: str) -> bytes:
    """The result list as an Excel sheet."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..labels import CHANNELS, TIMELINESS, status_label

    wb = Workbook()
    ws = wb.active
    ws.title = "Kết quả tra cứu"
    ws.append(["Kết quả tra cứu hồ sơ", criteria])
    headers = ["STT", "Mã hồ sơ", "Người nộp", "Số định danh", "Điện thoại", "Mã thủ tục", "Tên thủ tục", "Hình thức nộp",
               "Ngày tiếp nhận", "Hạn trả kết quả", "Ngày trả kết quả", "Trạng thái", "Kết quả"]
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)

    def local(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%H:%M %d/%m/%Y") if moment else ""

    for i, r in enumerate(rows, start=1):
        person = r["applicant"] or {}
        ws.append([i, r["code"], person.get("name", ""), person.get("id_number", ""), person.get("phone", ""),
                   r["procedure_code"], r["procedure_name"], CHANNELS.get(r["channel"], r["channel"]),
                   local(r["received_at"] or r["registered_at"]), local(r["due_at"]), local(r["returned_at"]),
                   status_label(r["status"]), TIMELINESS.get(r["timeliness"] or "", "")])
    for letter, width in zip("ABCDEFGHIJKLM", (5, 26, 24, 14, 12, 10, 50, 12, 17, 17, 17, 20, 10), strict=True):
        ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = ["LIMIT", "Criteria", "search", "to_xlsx"]
