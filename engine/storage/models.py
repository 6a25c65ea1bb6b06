"""Tables. Times are stored in UTC; JSON columns hold small documents only.

The indexes are designed for the hot queries: the inbox (active steps only, by
agency, role, state, due time, id; division and claimer in the index so the
filters on them read no rows), the dossier lists (registered_at, id, alone and
after each agency column), the next timer (open tasks and dossiers by due
time), a dossier by its code, and the audit chain by (chain, seq).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware (UTC) datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Json = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table(model: type[Base]) -> Table:
    """A model's table, typed as the Table it is (``__table__`` is declared as a FromClause)."""
    return cast(Table, model.__table__)


class AgencyRow(Base):
    __tablename__ = "agencies"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(20))
    eid: Mapped[str] = mapped_column(String(40))
    eid_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[str | None] = mapped_column(String(80))


class DivisionRow(Base):
    """A division (phòng chuyên môn) of an agency, from ``divisions`` in workflows/agencies.yaml.

    Its id is unique within the agency; steps and users name it by that id.
    """

    __tablename__ = "divisions"
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))


class ProcedureVersion(Base):
    """One published version of a procedure; dossiers are pinned to it."""

    __tablename__ = "procedure_versions"
    __table_args__ = (UniqueConstraint("code", "version"), Index("ix_procedure_versions_code_from", "code", "effective_from"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(80))
    agency_id: Mapped[str] = mapped_column(String(80))
    effective_from: Mapped[date | None] = mapped_column(Date)
    abolished_from: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(120))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    definition: Mapped[dict[str, Any]] = mapped_column(Json)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


_LIVE = ("status IN ('registered', 'received', 'processing', 'awaiting_supplement', 'awaiting_payment', "
         "'withdrawal_requested', 'resolved')")


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_status_due", "status", "due_at"),
        Index("ix_dossiers_agency_status", "agency_id", "status"),
        Index("ix_dossiers_received", "received_at"),
        # The lists' sort key, alone and after each agency column of the visibility rule (migration 0014;
        # PostgreSQL also has trigram indexes on the code and the applicant's name there).
        Index("ix_dossiers_registered", "registered_at", "id"),
        Index("ix_dossiers_agency_registered", "agency_id", "registered_at", "id"),
        Index("ix_dossiers_receiving_registered", "receiving_agency_id", "registered_at", "id"),
        # Dossiers due for closure for want of a supplement (engine.queries.closure.due_for_closure).
        Index("ix_dossiers_supplement_wait", "status", "supplement_wait_until"),
        # Live dossiers only (migration 0018): the lists' open-step branch and the overdue filter.
        *(Index(name, *columns, postgresql_where=text(_LIVE), sqlite_where=text(_LIVE)) for name, columns in (
            ("ix_dossiers_live_registered", ("registered_at", "id", "status", "due_at")),
            ("ix_dossiers_live_agency", ("agency_id", "registered_at", "id", "status", "due_at")),
            ("ix_dossiers_live_receiving", ("receiving_agency_id", "registered_at", "id", "status", "due_at")),
        )),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    procedure_code: Mapped[str] = mapped_column(String(20))
    variant: Mapped[str] = mapped_column(String(60), default="")  # the procedure's case, if it has several
    agency_id: Mapped[str] = mapped_column(String(80))
    receiving_agency_id: Mapped[str] = mapped_column(String(80))
    # A route whose steps name a level's agency (UBND cấp xã inside a provincial chain): the unit chosen at
    # receipt for those steps, by level agency ({"cb-ubnd-xa": "cb-xa-01273"}); None: the route has none.
    step_units: Mapped[dict[str, str] | None] = mapped_column(Json, nullable=True, default=None)
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(30))
    result: Mapped[str | None] = mapped_column(String(20))
    proposal: Mapped[str | None] = mapped_column(String(20))
    applicant: Mapped[dict[str, Any]] = mapped_column(Json, deferred=True, deferred_raiseload=False)
    documents: Mapped[list[Any]] = mapped_column(Json, deferred=True, deferred_raiseload=False)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    statutory_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supplement_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supplement_count: Mapped[int] = mapped_column(Integer, default=0)
    # While awaiting a supplement: the end of the applicant's waiting period (then the dossier is closed).
    supplement_wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Working seconds the dossier was already late when a supplement was requested: it stays late for good.
    late_incurred: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # closed for want of the supplement
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timeliness: Mapped[str | None] = mapped_column(String(10))  # early | on_time | late
    # Loaded only when a command needs the route and its live workflow is not cached.
    route_state: Mapped[dict[str, Any] | None] = mapped_column(Json, deferred=True)
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


_ACTIVE = "state IN ('open', 'waiting')"


class Task(Base):
    """A step of a dossier's route that is (or was) ready for someone to act on."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_dossier", "dossier_id", "state"),
        Index("ix_tasks_timer", "state", "due_at"),
        Index("ix_tasks_assignee", "claimed_by", "state"),
        # Active steps only (migration 0014): the inbox in its order, and the open steps of an agency.
        Index("ix_tasks_inbox_open", "agency_id", "role", "state", "due_at", "id", "division", "claimed_by",
              postgresql_where=text(_ACTIVE), sqlite_where=text(_ACTIVE)),
        Index("ix_tasks_open_agency", "agency_id", "dossier_id", postgresql_where=text(_ACTIVE), sqlite_where=text(_ACTIVE)),
        Index("ix_tasks_unarmed", "id", postgresql_where=text("NOT alarms_armed"), sqlite_where=text("NOT alarms_armed")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    step_id: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(30))
    agency_id: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(Text, default="")
    # The division of the agency whose staff take the step (workflows/agencies.yaml); None: anyone of the role.
    division: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(12))  # open | waiting | completed | cancelled
    in_route: Mapped[bool] = mapped_column(Boolean, default=True)  # False: added outside the route (return after a refusal)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(80))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(60))
    checkpoints: Mapped[list[str] | None] = mapped_column(Json)
    note: Mapped[str | None] = mapped_column(Text)
    timeliness: Mapped[str | None] = mapped_column(String(10))
    # False until the scheduler's sweep has armed the step's deadline alarms (engine/sweeps); a partial
    # index keeps the not-yet-armed steps, so the sweep finds new steps without reading the others.
    alarms_armed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AuditEvent(Base):
    """Append-only; each event's hash chains the previous event of its chain."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq"), Index("ix_audit_dossier", "dossier_id", "seq"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain: Mapped[str] = mapped_column(String(60))
    seq: Mapped[int] = mapped_column(Integer)
    dossier_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any]] = mapped_column(Json)
    after: Mapped[dict[str, Any]] = mapped_column(Json)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditLeaf(Base):
    """The audit events' place in the Merkle tree (``engine.quality.anchor``): appended at each publication,
    in event id order, never rewritten. ``leaf_hash`` is RFC 6962's hash of the event's canonical bytes."""

    __tablename__ = "audit_tree"
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(Integer, unique=True)
    leaf_hash: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """A side effect to run after the command's commit.

    ``state`` is pending (to run, possibly after ``available_at``), done (``processed_at``
    set) or dead (failed ``attempts`` times; an operator re-queues it). A worker-only
    handler's run holds a lease (``lease_token`` until ``locked_until``) and writes one
    ``OutboxDelivery`` per attempt.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "available_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handler: Mapped[str] = mapped_column(String(60))
    dossier_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(32))


class OutboxDelivery(Base):
    """One attempt of a worker-only handler (e-mail, SMS, portal): when, how it went, the far side's reference."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (Index("ix_outbox_deliveries_message", "message_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    handler: Mapped[str] = mapped_column(String(60))
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(10))  # sent / failed; NULL while running (or if the worker died)
    error: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))


class Counter(Base):
    """Serial numbers: dossier codes per agency and day, form numbers per agency and year."""

    __tablename__ = "counters"
    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class IssuedForm(Base):
    """A statutory form (slip, notice) issued for a dossier, numbered under its regime."""

    __tablename__ = "issued_forms"
    __table_args__ = (UniqueConstraint("outbox_id"), Index("ix_issued_forms_dossier", "dossier_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(40))
    form_number: Mapped[str] = mapped_column(String(40))  # "Mẫu 01" under the regime in force
    regime: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(40))  # the slip's own serial, e.g. "12/2026/PTN"
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content: Mapped[dict[str, Any]] = mapped_column(Json)
