"""quality (issue 10): audit_tree (each audit event's position in the Merkle tree), conformance results,
nonconformities, internal audits and their samples, quality targets

Revision ID: 0010
Revises: 0009

Empty at first: ``motcua audit publish`` appends every event not yet in the tree, in id order,
and signs the new tree head. Existing databases keep their events; the first publication
takes them all.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.storage.models

UTC = engine.storage.models.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_tree",
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_audit_tree")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_tree_event_id")),
    )


    op.create_table(
        "conformance_checks",
        sa.Column("dossier_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("procedure_version_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("conforming", sa.Boolean(), nullable=False),
        sa.Column("route_fits", sa.Boolean(), nullable=False),
        sa.Column("fitness", sa.Float(), nullable=False),
        sa.Column("deviations", JSON, nullable=False),
        sa.Column("tokens", JSON, nullable=False),
        sa.Column("checked_at", UTC, nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_conformance_checks")),
    )
    op.create_index("ix_conformance_procedure", "conformance_checks", ["procedure_code", "closed_at"])
    op.create_index("ix_conformance_agency", "conformance_checks", ["agency_id", "closed_at"])
    op.create_table(
        "nonconformities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("dossiers", JSON, nullable=False),
        sa.Column("step", sa.String(length=60), nullable=True),
        sa.Column("deviation_kind", sa.String(length=40), nullable=True),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("corrective_action", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=80), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("verification", sa.Text(), nullable=True),
        sa.Column("effective", sa.Boolean(), nullable=True),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.String(length=80), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformities")),
    )
    op.create_index("ix_nonconformities_owner", "nonconformities", ["owner", "state", "due_date"])
    op.create_table(
        "internal_audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("procedures", JSON, nullable=False),
        sa.Column("per_procedure", sa.Integer(), nullable=False),
        sa.Column("auditor", sa.String(length=80), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_audits")),
    )
    op.create_table(
        "audit_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("checklist", JSON, nullable=False),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("nonconformity_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["audit_id"], ["internal_audits.id"], name=op.f("fk_audit_samples_audit_id_internal_audits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_samples")),
        sa.UniqueConstraint("audit_id", "dossier_id", name=op.f("uq_audit_samples_audit_id")),
    )
    op.create_table(
        "quality_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=30), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("division", sa.String(length=80), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("set_by", sa.String(length=80), nullable=False),
        sa.Column("set_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_targets")),
        sa.UniqueConstraint("metric", "procedure_code", "division", name=op.f("uq_quality_targets_metric")),
    )


def downgrade() -> None:
    for name in ("quality_targets", "audit_samples", "internal_audits", "nonconformities", "conformance_checks"):
        op.drop_table(name)
    op.drop_table("audit_tree")
