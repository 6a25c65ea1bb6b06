"""The quality officer's tables: conformance results, nonconformities, internal audits and samples, KPI targets.

Declared on the engine's ``Base`` (one metadata, one migration history: 0010).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..storage.models import Base, Json, UTCDateTime


class ConformanceCheck(Base):
    """The latest conformance check of a dossier (``conformance.check``), kept for the overview pages."""

    __tablename__ = "conformance_checks"
    __table_args__ = (
        Index("ix_conformance_procedure", "procedure_code", "closed_at"),
        Index("ix_conformance_agency", "agency_id", "closed_at"),
    )
    dossier_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(60))
    procedure_code: Mapped[str] = mapped_column(String(20))
    procedure_version_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(30))
    closed: Mapped[bool] = mapped_column(Boolean)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conforming: Mapped[bool] = mapped_column(Boolean)
    route_fits: Mapped[bool] = mapped_column(Boolean)
    fitness: Mapped[float] = mapped_column(Float)
    deviations: Mapped[list[Any]] = mapped_column(Json)
    tokens: Mapped[dict[str, Any]] = mapped_column(Json)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(10))  # close | demand | audit


class Nonconformity(Base):
    """A nonconforming output or process (ISO 9001 8.7) and its corrective action (10.2)."""

    __tablename__ = "nonconformities"
    __table_args__ = (Index("ix_nonconformities_owner", "owner", "state", "due_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # deviation | complaint | inspection | internal_audit | other
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    dossiers: Mapped[list[str]] = mapped_column(Json)  # dossier codes
    step: Mapped[str | None] = mapped_column(String(60))
    deviation_kind: Mapped[str | None] = mapped_column(String(40))
    evidence: Mapped[list[int]] = mapped_column(Json)  # audit event ids
    severity: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20))
    cause: Mapped[str | None] = mapped_column(Text)
    correction: Mapped[str | None] = mapped_column(Text)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(80))
    due_date: Mapped[date | None] = mapped_column(Date)
    verification: Mapped[str | None] = mapped_column(Text)
    effective: Mapped[bool | None] = mapped_column(Boolean)
    audit_id: Mapped[int | None] = mapped_column(Integer)
    agency_id: Mapped[str | None] = mapped_column(String(80))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InternalAudit(Base):
    """An internal audit of a period (ISO 9001 9.2): its plan, and the seed its sample was drawn with."""

    __tablename__ = "internal_audits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    procedures: Mapped[list[str]] = mapped_column(Json)  # empty: every procedure with closed dossiers in the period
    per_procedure: Mapped[int] = mapped_column(Integer)
    auditor: Mapped[str] = mapped_column(String(80))
    planned_on: Mapped[date] = mapped_column(Date)
    seed: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))  # planned | sampled | done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditSample(Base):
    """A dossier drawn for an internal audit, with its checklist (pre-filled by the conformance check)."""

    __tablename__ = "audit_samples"
    __table_args__ = (UniqueConstraint("audit_id", "dossier_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("internal_audits.id"))
    dossier_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(60))
    procedure_code: Mapped[str] = mapped_column(String(20))
    checklist: Mapped[list[Any]] = mapped_column(Json)
    finding: Mapped[str | None] = mapped_column(Text)
    nonconformity_id: Mapped[int | None] = mapped_column(Integer)


class QualityTarget(Base):
    """A quality objective the agency sets (ISO 9001 6.2, measured under 9.1): a metric's target for a scope."""

    __tablename__ = "quality_targets"
    __table_args__ = (UniqueConstraint("metric", "procedure_code", "division"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(30))  # on_time_rate | conformance_rate | avg_ratio | p90_ratio
    procedure_code: Mapped[str] = mapped_column(String(20), default="")  # "": every procedure
    division: Mapped[str] = mapped_column(String(80), default="")  # "": every division
    target: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


__all__ = ["AuditSample", "ConformanceCheck", "InternalAudit", "Nonconformity", "QualityTarget"]
