"""idempotency keys: a retried creating request is answered once (issue 12)

Revision ID: 0017
Revises: 0016

One row per (user, key) for 24 hours: the request's fingerprint and, once answered, its
status and body (``engine/storage/idempotency.py``). Rows older than a day are deleted as
new keys are taken (indexed by ``created_at``).
"""

import sqlalchemy as sa
from alembic import op

from engine.storage.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.String(80), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
