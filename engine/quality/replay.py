"""A dossier's state as its audit events tell it, compared with its row.

Each event kind says what it changed (``engine.events``); replaying a dossier's chain from
its first event gives the values its row must hold. A row edited behind the commands' back
(result, due time, applicant, agency...) differs from its replay, and ``audit verify`` names
the field. Only what the events carry is compared; the row's other columns (route state,
version counter, task bookkeeping) are the engine's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import SYSTEM_CHAIN, digest, jsonable
from ..storage.models import AuditEvent, Dossier

_FIRST = ("dossier.received", "dossier.registered", "dossier.refused_at_intake", "dossier.migrated")
# Row column -> key in the first event's snapshot.
_SNAPSHOT = {
    "code": "code", "status": "status", "procedure_code": "procedure", "variant": "variant",
    "procedure_version_id": "procedure_version", "agency_id": "agency", "channel": "channel",
    "received_at": "received_at", "due_at": "due_at", "step_units": "step_units",
}
FIELDS = (
    "code", "status", "result", "procedure_code", "variant", "procedure_version_id", "agency_id", "channel",
    "received_at", "due_at", "statutory_due_at", "resolved_at", "returned_at", "extended_at", "supplement_count",
    "documents", "applicant", "step_units",
)
LABELS = {
    "code": "mã hồ sơ", "status": "trạng thái", "result": "kết quả", "procedure_code": "thủ tục", "variant": "trường hợp",
    "procedure_version_id": "phiên bản quy trình", "agency_id": "cơ quan giải quyết", "channel": "hình thức nộp",
    "received_at": "thời điểm tiếp nhận", "due_at": "hạn trả kết quả", "statutory_due_at": "hạn theo quy định",
    "resolved_at": "thời điểm giải quyết xong", "returned_at": "thời điểm trả kết quả", "extended_at": "thời điểm xin lỗi, hẹn lại",
    "supplement_count": "số lần yêu cầu bổ sung", "documents": "thành phần hồ sơ", "applicant": "người nộp hồ sơ",
    "step_units": "xã, phường thực hiện các bước của cấp xã",
}


@dataclass(frozen=True)
class Mismatch:
    code: str
    field: str
    expected: Any  # as the events tell it
    actual: Any  # as the row holds it
    last_event_id: int | None

    def __str__(self) -> str:
        return (f"hồ sơ {self.code}: {LABELS.get(self.field, self.field)} trên hồ sơ là {_show(self.actual)}, "
                f"nhưng các sự kiện cho {_show(self.expected)} (không sự kiện nào giải thích thay đổi này)")


def _show(value: Any) -> str:
    if value is None:
        return "trống"
    return str(value) if not isinstance(value, str) else f"'{value}'"


def replay(events: Iterable[tuple[int, datetime, str, dict[str, Any]]]) -> dict[str, Any]:
    """The state (``FIELDS``, as stored in events: times as ISO strings) of a dossier's events in order.

    ``events``: (id, at, action, after). A field no event speaks of is absent from the result.
    """
    state: dict[str, Any] = {}
    for _id, at, action, after in events:
        when = jsonable(at)
        if action in _FIRST:
            for column, key in _SNAPSHOT.items():
                if key in after:
                    state[column] = after[key]
            state["statutory_due_at"] = after.get("due_at")
            state["documents"] = list(after.get("documents", []))
            state["supplement_count"] = 0
            for column in ("result", "resolved_at", "returned_at", "extended_at"):
                state[column] = after.get(column)  # a dossier migrated from another system arrives with its history
            if "applicant_digest" in after:
                state["applicant"] = after["applicant_digest"]
            continue
        if "status" in after:
            state["status"] = after["status"]
        move = action.removeprefix("status.") if action.startswith("status.") else None
        if move == "resolve":
            state["result"] = after.get("result", state.get("result"))
            state["resolved_at"] = when
        elif move == "return_result":
            state["returned_at"] = when
        elif move == "request_supplement":
            state["supplement_count"] = state.get("supplement_count", 0) + 1
        elif move == "receive":  # a dossier incomplete at the desk, received when its supplement came
            state["received_at"] = when
        elif action == "dossier.extended":
            state["due_at"] = after.get("due_at")
            state["extended_at"] = when
        elif action == "supplement.received":
            state["due_at"] = after.get("due_at")
            state["statutory_due_at"] = after.get("statutory_due_at")
            state["documents"] = state.get("documents", []) + list(after.get("documents", []))
        elif action == "dossier.competence_transferred":
            state["agency_id"] = after.get("agency")
    return state


def row_state(row: Any) -> dict[str, Any]:
    """The same fields read from a dossier row."""
    out = {name: jsonable(getattr(row, name)) for name in FIELDS if name not in ("documents", "applicant")}
    out["documents"] = [d.get("id") for d in (row.documents or [])]
    out["applicant"] = digest(row.applicant or {})
    return out


def compare(code: str, expected: dict[str, Any], actual: dict[str, Any], last_event_id: int | None) -> list[Mismatch]:
    return [Mismatch(code, name, expected[name], actual.get(name), last_event_id)
            for name in FIELDS if name in expected and expected[name] != actual.get(name)]


_DOSSIER_COLUMNS = (Dossier.code, *(getattr(Dossier, n) for n in FIELDS if n != "code"))


def check(session: Session, batch: int = 5000) -> Iterator[Mismatch]:
    """Every dossier row against the replay of its chain (a dossier with no chain is ``audit.verify``'s to name)."""
    rows = {row.code: row for row in session.execute(select(*_DOSSIER_COLUMNS))}
    query = (select(AuditEvent.chain, AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.after)
             .where(AuditEvent.chain != SYSTEM_CHAIN).order_by(AuditEvent.chain, AuditEvent.seq))
    chain: str | None = None
    events: list[tuple[int, datetime, str, dict[str, Any]]] = []

    def close() -> Iterator[Mismatch]:
        row = rows.get(chain or "")
        if row is not None and events:
            yield from compare(row.code, replay(events), row_state(row), events[-1][0])

    for ev in session.execute(query.execution_options(yield_per=batch)):
        if ev.chain != chain:
            yield from close()
            chain, events = ev.chain, []
        events.append((ev.id, ev.at, ev.action, ev.after or {}))
    yield from close()


__all__ = ["FIELDS", "Mismatch", "check", "compare", "replay", "row_state"]
