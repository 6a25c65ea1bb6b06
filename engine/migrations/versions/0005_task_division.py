"""divisions: the divisions (phòng chuyên môn) of agencies, and the division a task belongs to

Revision ID: 0005
Revises: 0004

``users.division`` keeps its column; from this revision it holds a division id of
the user's agency (workflows/agencies.yaml), or NULL for people not in a division.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "divisions",
        sa.Column("agency_id", sa.String(length=80), nullable=False),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_divisions_agency_id_agencies")),
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f("pk_divisions")),
    )
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("division", sa.String(length=80), nullable=True))
        batch.drop_index("ix_tasks_inbox")
        batch.create_index("ix_tasks_inbox", ["agency_id", "role", "state", "due_at", "division"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_inbox")
        batch.create_index("ix_tasks_inbox", ["agency_id", "role", "state", "due_at"], unique=False)
        batch.drop_column("division")
    op.drop_table("divisions")
