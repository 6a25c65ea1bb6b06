"""scheduler: deadline alarms, in-app notifications, calendar days announced in the web app

Revision ID: 0008
Revises: 0007

Steps already finished are marked armed (they need no alarm); the steps still
open are armed by the scheduler's first sweep.
"""

import sqlalchemy as sa
from alembic import op

import engine.storage.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC = engine.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("alarms_armed", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE tasks SET alarms_armed = (state NOT IN ('open', 'waiting'))")
    op.create_index("ix_tasks_unarmed", "tasks", ["id"], unique=False,
                    postgresql_where=sa.text("NOT alarms_armed"), sqlite_where=sa.text("NOT alarms_armed"))
    op.create_table(
        "deadline_alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("step_id", sa.String(length=60), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("fire_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("recipients", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_alarms")),
        sa.UniqueConstraint("dossier_id", "task_id", "kind", name=op.f("uq_deadline_alarms_dossier_id")),
    )
    op.create_index("ix_deadline_alarms_due", "deadline_alarms", ["state", "fire_at"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("dossier_code", sa.String(length=60), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedup", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("read_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("user_id", "dedup", name=op.f("uq_notifications_user_id")),
    )
    op.create_index("ix_notifications_user", "notifications", ["user_id", "read_at", "id"], unique=False)
    op.create_table(
        "calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("removed_by", sa.String(length=80), nullable=True),
        sa.Column("removed_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_days")),
    )
    op.create_index("ix_calendar_days_day", "calendar_days", ["day", "removed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_calendar_days_day", table_name="calendar_days")
    op.drop_table("calendar_days")
    op.drop_index("ix_notifications_user", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_deadline_alarms_due", table_name="deadline_alarms")
    op.drop_table("deadline_alarms")
    op.drop_index("ix_tasks_unarmed", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("alarms_armed")
