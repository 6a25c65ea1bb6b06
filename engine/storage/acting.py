"""An administrator's recorded "act as" (làm thay) on one dossier: who, why, until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime


class ActAsGrant(Base):
    __tablename__ = "act_as_grants"
    __table_args__ = (Index("ix_act_as_user_until", "user_id", "until"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(80))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    code: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime] = mapped_column(UTCDateTime)


__all__ = ["ActAsGrant"]
