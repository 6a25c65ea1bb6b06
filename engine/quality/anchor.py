"""The Merkle tree over every audit event, its published heads, and the check against the last one.

Per-dossier hash chains show an edit of one event, but someone with write access to the
database can rewrite a chain and recompute every hash. The tree makes such a rewrite
provable: ``publish`` appends every event not yet in the tree (``audit_tree``: position,
event, leaf hash; in event id order, so an event committed late simply comes later),
computes the root, signs a tree head with the instance's key and writes it to the audit
folder (``head.json``, an archive copy per size in ``heads/``, and ``leaves.log``: one leaf
hash per line, the monitor's copy from which the first divergence is named). A head handed
out or shown on the public site cannot be matched by a rewritten database.

``check`` recomputes each published leaf from the event as stored now and compares it with
``leaves.log`` (itself checked against the signed root), so it names the first event that
differs or is gone; without ``leaves.log`` it still tells whether the root matches.
A leaf is RFC 6962's hash of the event's canonical bytes (``engine.audit.canonical``): an
independent verifier recomputes it from the event's JSON.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..audit import canonical
from ..storage.models import AuditEvent, AuditLeaf, table
from . import heads, merkle

LEAVES_FILE = "leaves.log"
HEADS_DIR = "heads"


def leaf_of(event: AuditEvent | Any) -> bytes:
    """The leaf hash of an audit event (a row with the event's columns)."""
    return merkle.leaf_hash(canonical(event))


@dataclass(frozen=True)
class Finding:
    """Something the tree check found: ``broken`` ones fail ``audit verify``, the others inform."""

    message: str
    broken: bool = True
    event_id: int | None = None
    position: int | None = None

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------- the tree as stored

def tree_size(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditLeaf)).scalar_one())


def stored_leaves(session: Session, batch: int = 5000) -> Iterator[tuple[int, int, str, bytes | None]]:
    """(position, event id, leaf hash as stored, leaf hash of the event as it is now or None if gone), in order."""
    query = (select(AuditLeaf.position, AuditLeaf.event_id, AuditLeaf.leaf_hash, AuditEvent)
             .outerjoin(AuditEvent, AuditEvent.id == AuditLeaf.event_id).order_by(AuditLeaf.position))
    for position, event_id, stored, event in session.execute(query.execution_options(yield_per=batch)):
        yield position, event_id, stored, (leaf_of(event) if event is not None else None)


def current_leaves(session: Session, size: int | None = None) -> list[bytes]:
    """The leaves as the events are now (a gone event: its stored hash), in tree order; the first ``size``."""
    out: list[bytes] = []
    for _position, _event, stored, now in stored_leaves(session):
        if size is not None and len(out) >= size:
            break
        out.append(now if now is not None else bytes.fromhex(stored))
    return out


# ---------------------------------------------------------------------- publishing

@dataclass(frozen=True)
class Published:
    head: heads.TreeHead
    added: int
    path: Path


def publish(session: Session, folder: Path, now: datetime | None = None) -> Published:
    """Append the events not yet in the tree, sign the new head and write it to ``folder``.

    Refuses (``heads.HeadError``) if the tree as stored no longer matches the last published head:
    signing a rewritten log would launder it.
    """
    key = heads.load_key(folder)
    last = heads.read(folder / heads.HEAD_FILE)
    if last is not None:
        broken = [f for f in check(session, folder) if f.broken]
        if broken:
            raise heads.HeadError("Không công bố: nhật ký không còn khớp với đầu cây đã công bố — " + str(broken[0]))
    start = tree_size(session)
    new = session.execute(
        select(AuditEvent).outerjoin(AuditLeaf, AuditLeaf.event_id == AuditEvent.id)
        .where(AuditLeaf.position.is_(None)).order_by(AuditEvent.id)
    ).scalars().all()
    rows = [{"position": start + i, "event_id": e.id, "leaf_hash": leaf_of(e).hex()} for i, e in enumerate(new)]
    if rows:
        session.execute(insert(table(AuditLeaf)), rows)
    session.commit()
    leaves = current_leaves(session)
    moment = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    head = heads.sign(key, len(leaves), merkle.root(leaves).hex(), moment)
    _write_leaves(folder / LEAVES_FILE, leaves)
    archive = folder / HEADS_DIR
    archive.mkdir(exist_ok=True)
    (archive / f"{head.tree_size:012d}.json").write_text(head.to_json(), encoding="utf-8")
    path = folder / heads.HEAD_FILE
    _atomic_write(path, head.to_json())
    return Published(head, len(rows), path)


def _write_leaves(path: Path, leaves: list[bytes]) -> None:
    """Append the new leaves to the monitor's copy (rewritten whole if it is not a prefix of them)."""
    have = path.read_text(encoding="ascii").split() if path.exists() else []
    hexes = [leaf.hex() for leaf in leaves]
    if have == hexes[: len(have)]:
        with path.open("a", encoding="ascii") as out:
            out.writelines(h + "\n" for h in hexes[len(have):])
    else:
        _atomic_write(path, "".join(h + "\n" for h in hexes))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def published_heads(folder: Path) -> list[heads.TreeHead]:
    """Every head published from this folder, oldest first."""
    archive = folder / HEADS_DIR
    if not archive.exists():
        return []
    return [heads.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(archive.glob("*.json"))]


# ---------------------------------------------------------------------- checking

def check(session: Session, folder: Path, head: heads.TreeHead | None = None) -> Iterator[Finding]:
    """The tree as stored now against the last published head (or ``head``); the first divergence first."""
    if head is None:
        try:
            head = heads.read(folder / heads.HEAD_FILE)
        except heads.HeadError as exc:
            yield Finding(str(exc))
            return
    if head is None:
        yield Finding(f"Chưa công bố đầu cây nào ({folder / heads.HEAD_FILE}): chỉ kiểm tra được các chuỗi băm. "
                      "Chạy `motcua audit publish`.", broken=False)
        return
    if not head.signature_valid():
        yield Finding(f"Chữ ký của đầu cây (kích thước {head.tree_size}) không hợp lệ: tệp đầu cây đã bị sửa.")
        return
    own = folder / heads.KEY_FILE
    if own.exists() and heads.public_key_b64(heads.load_key(folder)) != head.public_key:
        yield Finding(f"Đầu cây được ký bằng khóa khác (mã khóa {head.key_id}) với khóa của hệ thống này.")
        return
    log = _monitor_copy(folder, head)
    if isinstance(log, Finding):
        yield log
        log = None
    now: list[bytes] = []
    first: Finding | None = None
    for position, event_id, stored, leaf in stored_leaves(session):
        if position != len(now):
            first = first or Finding(f"Cây bị đánh số lại: vị trí {len(now)} thiếu (gặp vị trí {position}).", position=len(now))
        if position >= head.tree_size:
            break
        if leaf is None:
            first = first or Finding(f"Sự kiện #{event_id} (vị trí {position} trong cây đã công bố) đã bị xóa.",
                                     event_id=event_id, position=position)
            now.append(bytes.fromhex(stored))
            continue
        expected = log[position] if log is not None else stored
        if first is None and leaf.hex() != expected:
            first = Finding(f"Sự kiện #{event_id} (vị trí {position}) khác với lúc được công bố: nội dung đã bị sửa "
                            "(kể cả khi chuỗi băm đã được tính lại).", event_id=event_id, position=position)
        now.append(leaf)
    if first is not None:
        yield first
    if len(now) < head.tree_size:
        yield Finding(f"Cây chỉ còn {len(now)} sự kiện, đầu cây đã công bố có {head.tree_size}: "
                      "các sự kiện cuối (hoặc cả hồ sơ) đã bị xóa.", position=len(now))
        return
    if merkle.root(now).hex() != head.root_hash and first is None:
        yield Finding(f"Gốc cây tính lại khác với đầu cây đã công bố (kích thước {head.tree_size}, {head.timestamp}).")


def _monitor_copy(folder: Path, head: heads.TreeHead) -> list[str] | Finding | None:
    """``leaves.log``'s first ``tree_size`` leaves, if they match the signed root (else a finding)."""
    path = folder / LEAVES_FILE
    if not path.exists():
        return None
    log = path.read_text(encoding="ascii").split()[: head.tree_size]
    if len(log) < head.tree_size or merkle.root([bytes.fromhex(h) for h in log]).hex() != head.root_hash:
        return Finding(f"{path} không khớp với đầu cây đã ký: bản sao các lá đã bị sửa; chỉ so được gốc cây.", broken=False)
    return log


# ---------------------------------------------------------------------- proofs

def inclusion(session: Session, event_id: int, head: heads.TreeHead) -> dict[str, Any]:
    """The inclusion proof of one event in the tree of ``head`` (RFC 9162 §2.1.3)."""
    position = session.execute(select(AuditLeaf.position).where(AuditLeaf.event_id == event_id)).scalar_one_or_none()
    if position is None or position >= head.tree_size:
        raise LookupError(f"Sự kiện #{event_id} chưa có trong cây đã công bố (kích thước {head.tree_size}).")
    leaves = current_leaves(session, head.tree_size)
    event = session.get(AuditEvent, event_id)
    return {
        "event_id": event_id, "leaf_index": position, "tree_size": head.tree_size, "root_hash": head.root_hash,
        "leaf_data": canonical(event).decode("utf-8") if event is not None else None,
        "leaf_hash": leaves[position].hex(),
        "audit_path": [p.hex() for p in merkle.inclusion_proof(leaves, position)],
    }


def consistency(session: Session, old: heads.TreeHead, new: heads.TreeHead) -> dict[str, Any]:
    """The consistency proof from head ``old`` to head ``new`` (RFC 9162 §2.1.4)."""
    if old.tree_size > new.tree_size:
        raise LookupError(f"Đầu cây cũ ({old.tree_size}) lớn hơn đầu cây mới ({new.tree_size}).")
    leaves = current_leaves(session, new.tree_size)
    return {
        "first": old.tree_size, "second": new.tree_size, "first_hash": old.root_hash, "second_hash": new.root_hash,
        "consistency_path": [p.hex() for p in merkle.consistency_proof(leaves, old.tree_size)],
    }


__all__ = ["Finding", "Published", "check", "consistency", "current_leaves", "inclusion", "leaf_of", "publish",
           "published_heads", "stored_leaves", "tree_size"]
