"""The reporting facts the commands keep, in the same transaction as the change they record.

``report_dossiers``: one row per dossier, what the statistics ask of it: where and how it was
received, its procedure, field and level (of the version it is pinned to), when and how it ended
(result ready, withdrawn, closed, refused at intake), its class (early / on time / late), its apology.

``report_spans``: one row per stretch of a received dossier's open life during which nothing that
matters to the statistics changed: the agency competent for it, its status class (``working``,
``supplement``, ``payment``, ``withdrawal``) and the statutory due time in force. The open span has
``ended_at`` NULL. "In progress at the instant T" is one span per dossier (``started_at < T <=
ended_at``), so carried-over and in-progress figures of any past period are sums over spans.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..storage.models import Base, UTCDateTime, table


class ReportDossier(Base):
    __tablename__ = "report_dossiers"
    __table_args__ = (
        Index("ix_report_dossiers_received", "received_at", "agency_received"),
        Index("ix_report_dossiers_ended", "ended_at", "agency_ended"),
        Index("ix_report_dossiers_registered", "registered_at"),
        Index("ix_report_dossiers_apology", "apology_at"),
        Index("ix_report_dossiers_code", "code"),
        Index("ix_report_dossiers_id_number", "id_number"),
        Index("ix_report_dossiers_phone", "phone"),
    )
    dossier_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    # What staff search by (engine/reports/search.py): the applicant's name folded (engine.text.fold), ID number, phone.
    applicant_fold: Mapped[str] = mapped_column(String(300))
    id_number: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    procedure_code: Mapped[str] = mapped_column(String(20))
    procedure_version_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    receiving_agency: Mapped[str] = mapped_column(String(80))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the clock started (NULL: never received)
    received_month: Mapped[int | None] = mapped_column(Integer)  # local YYYYMM of received_at
    agency_received: Mapped[str] = mapped_column(String(80))  # competent agency when received
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_month: Mapped[int | None] = mapped_column(Integer)  # local YYYYMM of ended_at
    agency_ended: Mapped[str | None] = mapped_column(String(80))  # competent agency when it ended
    outcome: Mapped[str | None] = mapped_column(String(30))  # approved | refused | withdrawn | not_received | <closing status>
    timeliness: Mapped[str | None] = mapped_column(String(10))  # early | on_time | late (of an ended, received dossier)
    apology_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agency_apology: Mapped[str | None] = mapped_column(String(80))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReportSpan(Base):
    __tablename__ = "report_spans"
    __table_args__ = (
        Index("ix_report_spans_started", "started_at", "ended_at"),
        Index("ix_report_spans_open", "ended_at", "agency_id"),
    )
    dossier_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(12))  # working | supplement | payment | withdrawal
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # statutory due time in force
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReportDay(Base):
    """The facts summed per local day, agency, level, field and procedure (``engine.reports.summary``).

    Flows (received, resolved, refused at intake, apologies) are counted on the local day they happened,
    at the agency the report's column names. Stocks (open, awaiting a supplement, overdue) are kept as
    deltas: the number open at a local midnight is the sum of the deltas of the days before it.
    """

    __tablename__ = "report_days"
    __table_args__ = (Index("ix_report_days_agency", "agency_id", "day"),)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)  # local YYYYMMDD
    agency_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    level: Mapped[str] = mapped_column(String(20), primary_key=True)
    field: Mapped[str] = mapped_column(String(80), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    received_online: Mapped[int] = mapped_column(Integer, default=0)
    resolved_total: Mapped[int] = mapped_column(Integer, default=0)
    early: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    closed_unsupplemented: Mapped[int] = mapped_column(Integer, default=0)
    refused_intake: Mapped[int] = mapped_column(Integer, default=0)
    apologies: Mapped[int] = mapped_column(Integer, default=0)
    open_delta: Mapped[int] = mapped_column(Integer, default=0)
    supplement_delta: Mapped[int] = mapped_column(Integer, default=0)
    overdue_delta: Mapped[int] = mapped_column(Integer, default=0)


class ReportStepStat(Base):
    """The leader's dashboard's slowest steps as of ``computed_at`` (the nightly job; engine/reports/dashboard.py).

    ``agency_id`` ``*``: all agencies together.
    """

    __tablename__ = "report_step_stats"
    agency_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    step_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    done: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    median: Mapped[float] = mapped_column(Float)
    p90: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


FACTS = table(ReportDossier)
SPANS = table(ReportSpan)
DAYS = table(ReportDay)
STEP_STATS = table(ReportStepStat)

__all__ = ["DAYS", "FACTS", "SPANS", "STEP_STATS", "ReportDay", "ReportDossier", "ReportSpan", "ReportStepStat"]
