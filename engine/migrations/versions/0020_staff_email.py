"""staff e-mail (an optional address for deadline warnings by e-mail); the commune chosen for a chain's commune steps

Revision ID: 0020
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("step_units", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("step_units")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
