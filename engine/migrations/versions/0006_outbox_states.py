"""outbox: a state (pending / done / dead), a lease for worker-only handlers, and delivery records

Revision ID: 0006
Revises: 0005

Messages already processed become ``done``; the others stay ``pending`` with the
attempts they have. ``outbox_deliveries`` keeps one row per attempt of a handler
that leaves the process (e-mail, SMS, portal), for the operator and for audits.
"""

import sqlalchemy as sa
from alembic import op

import engine.storage.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("state", sa.String(length=10), server_default="pending", nullable=False))
        batch.add_column(sa.Column("locked_until", engine.storage.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_token", sa.String(length=32), nullable=True))
    op.execute("UPDATE outbox SET state = 'done' WHERE processed_at IS NOT NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_pending")
        batch.create_index("ix_outbox_due", ["state", "available_at"], unique=False)
    op.create_table(
        "outbox_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("handler", sa.String(length=60), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", engine.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", engine.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["outbox.id"], name=op.f("fk_outbox_deliveries_message_id_outbox"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_deliveries")),
    )
    op.create_index("ix_outbox_deliveries_message", "outbox_deliveries", ["message_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_deliveries_message", table_name="outbox_deliveries")
    op.drop_table("outbox_deliveries")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_due")
        batch.create_index("ix_outbox_pending", ["processed_at", "available_at"], unique=False)
        batch.drop_column("lease_token")
        batch.drop_column("locked_until")
        batch.drop_column("state")
