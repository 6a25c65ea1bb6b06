"""reports: the facts the commands keep for statistics (report_dossiers, report_spans)

Revision ID: 0009
Revises: 0013

Creates the two tables and fills them by replaying the audit log of the dossiers
already stored (``engine.reports.facts.rebuild``), so a populated database reports
its past periods too.
"""

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import engine.storage.models

revision = "0009"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC_DT = engine.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "report_dossiers",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("applicant_fold", sa.String(length=300), nullable=False),
        sa.Column("id_number", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("procedure_version_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=80), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("receiving_agency", sa.String(length=80), nullable=False),
        sa.Column("registered_at", UTC_DT, nullable=False),
        sa.Column("received_at", UTC_DT, nullable=True),
        sa.Column("received_month", sa.Integer(), nullable=True),
        sa.Column("agency_received", sa.String(length=80), nullable=False),
        sa.Column("ended_at", UTC_DT, nullable=True),
        sa.Column("ended_month", sa.Integer(), nullable=True),
        sa.Column("agency_ended", sa.String(length=80), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("timeliness", sa.String(length=10), nullable=True),
        sa.Column("apology_at", UTC_DT, nullable=True),
        sa.Column("agency_apology", sa.String(length=80), nullable=True),
        sa.Column("returned_at", UTC_DT, nullable=True),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_report_dossiers")),
    )
    op.create_index("ix_report_dossiers_received", "report_dossiers", ["received_at", "agency_received"])
    op.create_index("ix_report_dossiers_ended", "report_dossiers", ["ended_at", "agency_ended"])
    op.create_index("ix_report_dossiers_registered", "report_dossiers", ["registered_at"])
    op.create_index("ix_report_dossiers_apology", "report_dossiers", ["apology_at"])
    op.create_index("ix_report_dossiers_code", "report_dossiers", ["code"])
    op.create_index("ix_report_dossiers_id_number", "report_dossiers", ["id_number"])
    op.create_index("ix_report_dossiers_phone", "report_dossiers", ["phone"])
    op.create_table(
        "report_spans",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("due_at", UTC_DT, nullable=True),
        sa.Column("started_at", UTC_DT, nullable=False),
        sa.Column("ended_at", UTC_DT, nullable=True),
        sa.PrimaryKeyConstraint("dossier_id", "seq", name=op.f("pk_report_spans")),
    )
    op.create_index("ix_report_spans_started", "report_spans", ["started_at", "ended_at"])
    op.create_index("ix_report_spans_open", "report_spans", ["ended_at", "agency_id"])
    from engine.reports.facts import rebuild

    rebuild(op.get_bind(), ZoneInfo("Asia/Ho_Chi_Minh"), summary=False)  # report_days comes with 0019


def downgrade() -> None:
    op.drop_table("report_spans")
    op.drop_table("report_dossiers")
