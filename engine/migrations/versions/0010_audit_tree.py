"""audit_tree: each audit event's position in the Merkle tree of the audit log (issue 10)

Revision ID: 0010
Revises: 0006

Empty at first: ``motcua audit publish`` appends every event not yet in the tree, in id order,
and signs the new tree head. Existing databases keep their events; the first publication
takes them all.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
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


def downgrade() -> None:
    op.drop_table("audit_tree")
