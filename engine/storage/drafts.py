"""Drafts of procedure definitions written in the analyst's workbench (bản nháp định nghĩa thủ tục).

A draft holds the definition as the analyst typed it (YAML text, so validation
names its lines) and, for a drawn route, the BPMN XML. It changes nothing a
dossier sees until it is published by a decision (``engine.decisions.drafts``);
then it records which decision published it and stays as it was.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime


class DraftRow(Base):
    __tablename__ = "definition_drafts"
    __table_args__ = (Index("ix_definition_drafts_code", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)  # the definition, YAML as written
    bpmn_xml: Mapped[str | None] = mapped_column(Text)  # the drawn route, when route.bpmn names one
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_id: Mapped[str | None] = mapped_column(String(120))
