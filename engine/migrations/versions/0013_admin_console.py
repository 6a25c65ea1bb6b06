"""admin console: forced password change, administrators' recorded "act as" on a dossier

Revision ID: 0013
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import engine.storage.models

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

UTC = engine.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "act_as_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=80), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("until", UTC, nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_act_as_grants_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_act_as_grants")),
    )
    op.create_index("ix_act_as_user_until", "act_as_grants", ["user_id", "until"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_act_as_user_until", table_name="act_as_grants")
    op.drop_table("act_as_grants")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
