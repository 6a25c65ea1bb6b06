"""staff e-mail (an optional address for deadline warnings by e-mail); the commune chosen for a chain's commune steps

Revision ID: 0020
Revises: 0019

Plain ADD/DROP COLUMN, not batch mode: SQLite (3.35+) does both in place, where a batch would copy the
table, which other tables' foreign keys to dossiers and users forbid on a populated database.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("email", sa.String(length=254), nullable=True))
    op.add_column("dossiers", sa.Column("step_units", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True))


def downgrade() -> None:
    op.drop_column("dossiers", "step_units")
    op.drop_column("users", "email")
