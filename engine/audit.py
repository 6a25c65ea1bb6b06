"""The append-only, hash-chained audit log.

Every dossier has its own chain (the dossier's code); events that belong to no
dossier (publishing a decision) go to the ``system`` chain. Each event's hash
is sha256(prev_hash + canonical JSON of the event). The unique (chain, seq)
constraint means two writers can never fork a chain, and the dossier row keeps
its chain's head, so a deleted last event is noticed too. Per-dossier chains
scale with the dossier table instead of serialising every command on one row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .events import EVENTS, EventKind
from .policy import SYSTEM, Actor  # noqa: F401  (SYSTEM: re-exported for older imports)
from .storage.models import AuditEvent, Dossier

SYSTEM_CHAIN = "system"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_FIELDS = ("chain", "seq", "dossier_id", "at", "actor", "role", "action", "before", "after", "prev_hash")


def canonical(event: AuditEvent | dict[str, Any]) -> bytes:
    """The bytes an event's hash covers: its fields as sorted, compact JSON."""
    get: Callable[[str], Any] = event.__getitem__ if isinstance(event, dict) else lambda name: getattr(event, name)
    body = {
        "chain": get("chain"),
        "seq": get("seq"),
        "dossier": get("dossier_id"),
        "at": _iso(get("at")),
        "actor": get("actor"),
        "role": get("role"),
        "action": get("action"),
        "before": get("before"),
        "after": get("after"),
        "prev": get("prev_hash"),
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def compute_hash(event: AuditEvent | dict[str, Any]) -> str:
    prev = event["prev_hash"] if isinstance(event, dict) else event.prev_hash
    return hashlib.sha256(prev.encode("ascii") + canonical(event)).hexdigest()


def digest(value: Any) -> str:
    """SHA-256 of a value's canonical JSON: what an event keeps of a personal record (the applicant)
    so that a later edit of the record is noticed without copying it into the log."""
    body = json.dumps(jsonable(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def jsonable(value: Any) -> Any:
    """Values as they are stored in before/after: datetimes become ISO strings in UTC."""
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def record(
    session: Session,
    dossier: Dossier | None,
    actor: Actor,
    kind: EventKind | str,
    before: dict[str, Any],
    after: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    """Append one event of ``kind`` (``engine.events``) to the dossier's chain (or the system chain).

    ``after`` may hold only the kind's declared fields: an undeclared one is a programming
    error, refused before anything is written.

    Inside a unit of work the rows are collected and inserted in one statement
    just before the commit; elsewhere the event is added to the session at once.
    """
    event = kind if isinstance(kind, EventKind) else EVENTS.get(kind)
    if event is None:
        raise ValueError(f"unknown audit event kind {kind!r}: declare it in engine/events.py")
    if not after.keys() <= event.fields:
        raise ValueError(f"{event.name}: undeclared fields {sorted(after.keys() - event.fields)}")
    if dossier is not None:
        chain, seq, prev = dossier.code, dossier.audit_seq + 1, dossier.audit_head
    else:
        head = session.info.get("system_chain_head")
        if head is None:
            last = session.execute(
                select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.chain == SYSTEM_CHAIN).order_by(AuditEvent.seq.desc()).limit(1)
            ).first()
            head = (last.seq, last.hash) if last else (0, "")
        chain, seq, prev = SYSTEM_CHAIN, head[0] + 1, head[1]
    row: dict[str, Any] = {
        "chain": chain,
        "seq": seq,
        "dossier_id": dossier.id if dossier is not None else None,
        "at": at,
        "actor": actor.id,
        "role": actor.role,
        "action": event.name,
        "before": jsonable(before),
        "after": jsonable(after),
        "prev_hash": prev,
    }
    row["hash"] = compute_hash(row)
    if dossier is not None:
        dossier.audit_seq, dossier.audit_head = seq, row["hash"]
    else:
        session.info["system_chain_head"] = (seq, row["hash"])
    pending = session.info.get("audit_rows")
    if pending is None:
        session.add(AuditEvent(**row))
    else:
        pending.append(row)
    return row


@dataclass(frozen=True)
class Break:
    event_id: int | None
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        where = f"sự kiện #{self.event_id}" if self.event_id is not None else "cuối chuỗi"
        return f"{where} (chuỗi {self.chain}, thứ tự {self.seq}): {self.reason}"


def verify(session: Session, batch: int = 5000) -> Iterator[Break]:
    """Check every chain; yield each chain's first broken event, then what binds chains to dossiers.

    A chain is sound when its events follow each other (seq 1, 2, ...; each ``prev_hash`` the
    previous hash; each hash its content's) and it ends at the head its dossier keeps. Beyond
    the chains: every event of a dossier is in that dossier's chain (a forged event under a
    made-up chain name is not), every chain but ``system`` belongs to a dossier, and every
    dossier has its chain (a dossier is never stored without its first event). What a rewrite
    of a whole chain with every hash recomputed escapes is caught by the Merkle tree
    (``engine.quality.anchor``) against a published head.
    """
    dossiers = {row.code: row for row in session.execute(select(Dossier.id, Dossier.code, Dossier.audit_seq, Dossier.audit_head))}
    code_of = {row.id: row.code for row in dossiers.values()}
    chain: str | None = None
    prev, expected_seq, broken = "", 1, False

    def close(chain_name: str, last_seq: int, last_hash: str) -> Iterator[Break]:
        row = dossiers.get(chain_name)
        if row is not None and not broken and (row.audit_head != last_hash or row.audit_seq != last_seq):
            yield Break(None, chain_name, row.audit_seq, "sự kiện cuối của chuỗi đã bị xóa hoặc thay thế (không khớp với hồ sơ)")

    last_seq_seen, last_hash_seen = 0, ""
    seen: set[str] = set()
    foreign: list[Break] = []
    query = select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq)
    for event in session.execute(query.execution_options(yield_per=batch)).scalars():
        if event.chain != chain:
            if chain is not None:
                yield from close(chain, last_seq_seen, last_hash_seen)
            chain, prev, expected_seq, broken = event.chain, "", 1, False
            seen.add(chain)
            if chain != SYSTEM_CHAIN and chain not in dossiers:
                foreign.append(Break(event.id, chain, event.seq, "chuỗi không thuộc hồ sơ nào (hồ sơ đã bị xóa, hoặc chuỗi giả)"))
        owner = code_of.get(event.dossier_id) if event.dossier_id is not None else SYSTEM_CHAIN
        if owner != event.chain and len(foreign) < 1000:
            where = f"hồ sơ #{event.dossier_id}" if event.dossier_id is not None else "không hồ sơ nào"
            expected = f"chuỗi {owner}" if owner else "một hồ sơ không còn tồn tại"
            foreign.append(Break(event.id, event.chain, event.seq, f"sự kiện ghi cho {where} nhưng nằm ngoài chuỗi của nó ({expected})"))
        if not broken:
            reason = None
            if event.seq != expected_seq:
                reason = f"thiếu sự kiện thứ tự {expected_seq}"
            elif event.prev_hash != prev:
                reason = "không nối với sự kiện trước (prev_hash sai)"
            elif compute_hash(event) != event.hash:
                reason = "nội dung đã bị sửa (hash không khớp)"
            if reason:
                broken = True
                yield Break(event.id, event.chain, event.seq, reason)
        prev, expected_seq = event.hash, event.seq + 1
        last_seq_seen, last_hash_seen = event.seq, event.hash
    if chain is not None:
        yield from close(chain, last_seq_seen, last_hash_seen)
    yield from foreign
    for code in sorted(set(dossiers) - seen):
        reason = ("toàn bộ chuỗi sự kiện của hồ sơ đã bị xóa" if dossiers[code].audit_seq
                  else "hồ sơ không có sự kiện nào (chuỗi đã bị xóa và thứ tự đặt lại)")
        yield Break(None, code, dossiers[code].audit_seq, reason)
