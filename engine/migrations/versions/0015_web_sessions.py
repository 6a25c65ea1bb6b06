"""web sessions kept on the server (issue 12): logout, a password change and a lock revoke them

Revision ID: 0015
Revises: 0014

The session cookie now carries a random key whose SHA-256 is a row here; a row past its
lifetime or idle limit, or deleted, opens nothing. Sessions signed before this migration (the
cookie held the user id) are no longer accepted: everyone signs in again once.
"""

import sqlalchemy as sa
from alembic import op

import engine.storage.models

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC = engine.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.Column("client", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
