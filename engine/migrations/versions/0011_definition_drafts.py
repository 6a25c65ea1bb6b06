"""definition_drafts: the analyst's drafts of procedure definitions (YAML text and drawn BPMN)

Revision ID: 0011
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import engine.storage.models

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "definition_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("bpmn_xml", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", engine.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", engine.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", engine.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_id", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_definition_drafts_code", "definition_drafts", ["code"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_definition_drafts_code", table_name="definition_drafts")
    op.drop_table("definition_drafts")
