"""Retention of records (ISO 9001 7.5.3.2): a period per kind of record, and what has reached it.

Nothing is deleted: the report lists the records due for transfer to the archive, which the
agency does by its own archival rules. Audit events are never removed (the published Merkle
tree covers them). Periods are the agency's: the defaults below say where each comes from,
or that it is not confirmed yet ("đang cập nhật"); ``workflows/retention.yaml`` overrides them::

    dossier: {years: 2, source: "Quy trình ISO của Sở ..."}
    nonconformity: {years: 5, source: "..."}
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..definitions.source import read_yaml
from ..labels import UNCONFIRMED
from ..storage.models import Dossier
from ..vocabulary import CLOSED_STATUSES
from .models import InternalAudit, Nonconformity


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    years: int | None  # None: not confirmed by a source
    source: str
    after: str  # what the period counts from

    @property
    def text(self) -> str:
        return f"{self.years:02d} năm" if self.years is not None else UNCONFIRMED


DEFAULTS = {
    "dossier": Period("dossier", "Hồ sơ thủ tục hành chính (tại đơn vị xử lý chính)", 2,
                      "Quy trình ISO mẫu (Hà Tĩnh, 21/11/2025; data/legal_texts/d6cbe14c6f6cf724.md): "
                      "\"lưu tại đơn vị xử lý chính, trực tiếp, thời gian lưu 02 năm. Sau khi hết hạn, chuyển hồ sơ "
                      "xuống đơn vị lưu trữ\"", "kết thúc hồ sơ"),
    "nonconformity": Period("nonconformity", "Hồ sơ điểm không phù hợp và hành động khắc phục", None,
                            "chưa có văn bản nguồn: cơ quan tự quy định trong quy trình ISO", "đóng hồ sơ"),
    "internal_audit": Period("internal_audit", "Hồ sơ đánh giá nội bộ", None,
                             "chưa có văn bản nguồn: cơ quan tự quy định trong quy trình ISO", "kết thúc kỳ đánh giá"),
    "audit_event": Period("audit_event", "Nhật ký kiểm toán", None,
                          "không xóa: cây Merkle đã công bố bao trùm toàn bộ nhật ký", "ghi sự kiện"),
}


def periods(workflows: Path | None) -> dict[str, Period]:
    """The defaults, with ``retention.yaml`` of the workflows folder over them (if there is one)."""
    out = dict(DEFAULTS)
    path = (workflows / "retention.yaml") if workflows else None
    if path is not None and path.exists():
        data = read_yaml(path) or {}
        for kind, value in data.items():
            if kind in out and isinstance(value, dict):
                years = value.get("years")
                out[kind] = replace(out[kind], years=int(years) if years is not None else None,
                                    source=str(value.get("source", out[kind].source)))
    return out


@dataclass
class Due:
    period: Period
    count: int
    oldest: datetime | date | None
    items: list[dict[str, Any]]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def due(session: Session, today: date, tz: Any, workflows: Path | None = None, limit: int = 200) -> list[Due]:
    """Per kind of record: how many have reached their retention period, the oldest, the first ``limit``."""
    out = []
    for kind, period in periods(workflows).items():
        if period.years is None or kind == "audit_event":
            out.append(Due(period, 0, None, []))
            continue
        cutoff = datetime.combine(_years_before(today, period.years), time.max, tz)
        query: Select
        if kind == "dossier":
            ended = func.coalesce(Dossier.returned_at, Dossier.closed_at, Dossier.resolved_at, Dossier.registered_at)
            query = select(Dossier.code, ended.label("ended")).where(Dossier.status.in_(CLOSED_STATUSES), ended <= cutoff)
        elif kind == "nonconformity":
            query = select(Nonconformity.id.label("code"), Nonconformity.closed_at.label("ended")).where(
                Nonconformity.closed_at.is_not(None), Nonconformity.closed_at <= cutoff)
        else:
            query = select(InternalAudit.id.label("code"), InternalAudit.period_to.label("ended")).where(
                InternalAudit.period_to <= cutoff.date())
        count = int(session.execute(select(func.count()).select_from(query.subquery())).scalar_one())
        rows = session.execute(query.order_by("ended").limit(limit)).all()
        out.append(Due(period, count, rows[0].ended if rows else None, [{"code": r.code, "ended": r.ended} for r in rows]))
    return out


__all__ = ["DEFAULTS", "Due", "Period", "due", "periods"]
