"""The decisions applied to this database (quyết định công bố đã áp dụng).

One row per decision file: its identity, the digest of its content (an applied
decision is never edited: a change is a new decision), who applied it and when,
and whether the dossiers a transfer moves have been moved.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, Json, UTCDateTime


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_effective", "effective"),)
    id: Mapped[str] = mapped_column(String(120), primary_key=True)  # the decision file's stem
    number: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(String(300))
    signed: Mapped[date | None] = mapped_column(Date)
    effective: Mapped[date | None] = mapped_column(Date)
    digest: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(Json)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_by: Mapped[str] = mapped_column(String(80))
    transfers_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
