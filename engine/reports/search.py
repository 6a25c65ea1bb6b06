"""Staff search: by dossier code, applicant name (diacritics-insensitive), ID number, phone, procedure, status, dates.

The name, ID number and phone are kept folded in ``report_dossiers`` by the commands (``facts``), so the
search is plain indexed SQL on both databases; what the actor may see is the access policy's
``visible_dossiers``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, Integer, and_, any_, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

from .. import policy
from ..policy import Actor
from ..queries.paging import Cursor, Keyset, Page
from ..storage.models import Dossier, ProcedureVersion, table
from ..text import fold
from .tables import FACTS

LIMIT = 500  # rows exported to Excel at most (the export says so when it stops there)
PER_PAGE = 50  # rows a page of the search shows
# The page counts its matches up to the export's bound: "hơn 500" is what tells the user that the Excel file and
# "print every result" stop at the 500 newest; counting further (the dossier lists count to 1,000) would cost a popular
# name's search a second pass over a thousand dossiers (bench/README.md).
COUNT_CAP = LIMIT
MIN_CHUNK = 200  # facts read at a time when the facts are read first (at least twice the rows wanted)


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
    """The dossiers matching ``c`` that ``actor`` may see, newest first, at most ``limit`` (the Excel export and
    "print every result" read this; the page reads :func:`search_page`)."""
    return [dict(row._mapping) for row in _matches(conn, actor, c, tz, limit)]


def search_page(conn: Connection, actor: Actor, c: Criteria, tz: tzinfo, *, page: int = 1, per_page: int = PER_PAGE,
                after: str | None = None, before: str | None = None) -> Page:
    """One page of the matches, newest first, paged by key as the dossier lists are
    (``engine.queries.dossiers.dossiers``: ``after`` / ``before`` are the ``next`` / ``prev`` cursors of a page,
    the first pages also by number); the total counted up to ``COUNT_CAP`` (``total_exact`` false beyond), not
    counted again when the first page holds every match."""
    where = Keyset.of(page, per_page, after, before)
    newer = where.before is not None
    cursor = where.before or where.after
    key = (cursor.at, cursor.id) if cursor else None
    rows = _matches(conn, actor, c, tz, where.offset + per_page + 1, after=key, newer=newer)[where.offset:]
    more = len(rows) > per_page
    rows = rows[:per_page]
    if newer:
        rows.reverse()
    has_next = True if newer else more
    has_prev = more if newer else (where.after is not None or where.offset > 0)
    first = where.after is None and where.before is None and where.offset == 0
    counted = len(rows) if first and not more else _count(conn, actor, c, tz, COUNT_CAP + 1)
    result = Page([dict(row._mapping) for row in rows], page, per_page, min(counted, COUNT_CAP),
                  total_exact=counted <= COUNT_CAP, keyset=True)
    if rows:
        result.next = Cursor(rows[-1].key_at, rows[-1].dossier_id).encode() if has_next else None
        result.prev = Cursor(rows[0].key_at, rows[0].dossier_id).encode() if has_prev else None
    return result


def _matches(conn: Connection, actor: Actor, c: Criteria, tz: tzinfo, limit: int, *, after: tuple[datetime, int] | None = None,
             newer: bool = False, light: bool = False) -> list[Any]:
    """At most ``limit`` matching rows the actor may see: newest first, older than ``after`` (a row's
    (registered_at, dossier id)); with ``newer``, oldest first and newer than it (the page before a cursor).
    ``light``: the dossier ids only (the count).

    With a criterion on the facts' own search columns (code, name, ID number, phone) the facts are read
    first, in order, in chunks (their indexes, the trigram one for a part of a name, serve it), and each
    chunk is joined by key to the dossiers for what the actor may see: a name shared by tens of thousands
    of dossiers reads a chunk or two, a name nobody has reads none. A single query otherwise, where the
    planner would join the facts to every dossier the actor may see (bench/README.md, 1M dossiers).
    """
    f = FACTS.c
    facts = _facts_filter(c, tz)
    order = (f.registered_at, f.dossier_id) if newer else (f.registered_at.desc(), f.dossier_id.desc())

    def beyond(at: datetime, ident: int, name: str) -> Any:
        here = tuple_(f.registered_at, f.dossier_id)
        there = tuple_(bindparam(f"{name}_at", at, type_=f.registered_at.type), bindparam(f"{name}_id", ident))
        return here > there if newer else here < there

    if after is not None:
        facts.append(beyond(*after, "cursor"))
    if not (c.code.strip() or c.name.strip() or c.id_number.strip() or c.phone.strip()):
        return list(conn.execute(_joined(actor, c, light=light).where(*facts).order_by(*order).limit(limit)))
    out: list[Any] = []
    chunk = max(MIN_CHUNK, 2 * limit)
    last: tuple[Any, int] | None = None
    while len(out) < limit:
        ids_query = select(f.dossier_id, f.registered_at).where(*facts)
        if last is not None:
            ids_query = ids_query.where(beyond(*last, "chunk"))
        ids = conn.execute(ids_query.order_by(*order).limit(chunk)).all()
        if not ids:
            break
        # On the dossiers' key: PostgreSQL then reads the chunk's dossiers by their primary key.
        among = _member([r.dossier_id for r in ids], conn.dialect.name)
        query = _joined(actor, c, among, light=light).where(among(table(Dossier).c.id))
        out += conn.execute(query.order_by(*order).limit(limit - len(out))).all()
        if len(ids) < chunk:
            break
        last = (ids[-1].registered_at, ids[-1].dossier_id)
    return out


def _count(conn: Connection, actor: Actor, c: Criteria, tz: tzinfo, cap: int) -> int:
    """How many matches the actor may see, counted up to ``cap``. With a code, name, ID number or phone the facts are
    read newest first in chunks, as :func:`_matches` does, and each chunk's visible dossiers are counted by key
    (no order, no join back to the facts: only whether the count reaches ``cap`` matters)."""
    f, d = FACTS.c, table(Dossier).c
    facts = _facts_filter(c, tz)
    if not (c.code.strip() or c.name.strip() or c.id_number.strip() or c.phone.strip()):
        return len(_matches(conn, actor, c, tz, cap, light=True))
    counted, chunk = 0, max(MIN_CHUNK, 2 * cap)
    last: tuple[Any, int] | None = None
    while counted < cap:
        ids_query = select(f.dossier_id, f.registered_at).where(*facts)
        if last is not None:
            ids_query = ids_query.where(tuple_(f.registered_at, f.dossier_id) < tuple_(
                bindparam("chunk_at", last[0], type_=f.registered_at.type), bindparam("chunk_id", last[1])))
        ids = conn.execute(ids_query.order_by(f.registered_at.desc(), f.dossier_id.desc()).limit(chunk)).all()
        if not ids:
            break
        among = _member([r.dossier_id for r in ids], conn.dialect.name)
        query = select(func.count()).select_from(table(Dossier)).where(
            among(d.id), policy.visible_dossiers_among(actor, among), *((d.status == c.status,) if c.status else ()))
        counted += int(conn.execute(query).scalar_one())
        if len(ids) < chunk:
            break
        last = (ids[-1].registered_at, ids[-1].dossier_id)
    return min(counted, cap)


def _facts_filter(c: Criteria, tz: tzinfo) -> list[Any]:
    """The conditions on ``report_dossiers`` alone."""
    f = FACTS.c
    where: list[Any] = []
    code = c.code.strip().upper()
    if code:
        where.append(and_(f.code >= code, f.code < code + "\uffff"))  # a prefix: the index serves it
    if c.name.strip():
        where.append(f.applicant_fold.contains(fold(c.name), autoescape=True))
    if c.id_number.strip():
        where.append(f.id_number == c.id_number.strip())
    if c.phone.strip():
        where.append(f.phone == c.phone.strip().replace(" ", ""))
    if c.procedure.strip():
        where.append(f.procedure_code == c.procedure.strip())
    if c.received_from:
        where.append(f.registered_at >= datetime.combine(c.received_from, time(), tz))
    if c.received_to:
        where.append(f.registered_at < datetime.combine(c.received_to + timedelta(days=1), time(), tz))
    return where


def _member(ids: list[int], dialect: str) -> Callable[[Any], Any]:
    """``column IN ids``: on PostgreSQL one array parameter (``= ANY``), not a thousand bound values to render."""
    if dialect == "postgresql":
        return lambda column: column == any_(bindparam("chunk", ids, type_=ARRAY(Integer)))
    return lambda column: column.in_(ids)


def _joined(actor: Actor, c: Criteria, among: Callable[[Any], Any] | None = None, *, light: bool = False) -> Any:
    """The result's columns: facts joined to their dossier (what the actor may see, its status) and procedure;
    ``among``: the query reads these dossiers only (``_member``); ``light``: the dossier id only.
    ``key_at`` and ``dossier_id`` are the row's place in the order (a page's cursors)."""
    visible = policy.visible_dossiers(actor) if among is None else policy.visible_dossiers_among(actor, among)
    d, f, v = table(Dossier).c, FACTS.c, table(ProcedureVersion).c
    if light:
        return select(f.dossier_id).select_from(table(Dossier).join(FACTS, f.dossier_id == d.id)).where(visible).where(
            *((d.status == c.status,) if c.status else ()))
    query = (
        select(d.code, d.status, d.applicant, d.procedure_code, v.name.label("procedure_name"), d.channel, d.agency_id,
               d.registered_at, d.received_at, d.due_at, d.returned_at, d.timeliness,
               f.registered_at.label("key_at"), f.dossier_id)
        .select_from(table(Dossier).join(FACTS, f.dossier_id == d.id).join(table(ProcedureVersion), v.id == d.procedure_version_id))
        .where(visible)
    )
    return query.where(d.status == c.status) if c.status else query


def to_xlsx(rows: list[dict[str, Any]], tz: tzinfo, criteria: str, *, cut: bool = False) -> bytes:
    """The result list as an Excel sheet; ``cut``: the search has more matches than ``rows`` (said on the sheet)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..labels import CHANNELS, TIMELINESS, status_label

    wb = Workbook()
    ws = wb.active
    ws.title = "Kết quả tra cứu"
    ws.append(["Kết quả tra cứu hồ sơ", criteria,
               f"Chỉ gồm {len(rows)} hồ sơ mới nhất (tối đa {LIMIT} hồ sơ một tệp): hãy thu hẹp điều kiện để có đủ." if cut
               else f"{len(rows)} hồ sơ"])
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


__all__ = ["COUNT_CAP", "LIMIT", "PER_PAGE", "Criteria", "search", "search_page", "to_xlsx"]
