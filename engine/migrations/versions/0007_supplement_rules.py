"""dossiers: the supplement waiting period, lateness incurred before a supplement, closure time

Revision ID: 0007
Revises: 0006

``supplement_wait_until`` is the end of the applicant's waiting period while a
dossier awaits a supplement (indexed with the status: the scheduler's query of
dossiers due for closure). Dossiers already awaiting a supplement get theirs
from the notice's time and the default period (15 working days, LEGAL.md §4) on
the working calendar of ``MOTCUA_WORKFLOWS`` (or the repository's workflows/).
``late_incurred`` keeps the working seconds a dossier was already late when a
supplement was requested; ``closed_at`` the moment it was closed for want of it.
"""

import os
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import engine.storage.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DEFAULT_WAIT_DAYS = 15


def _calendar():  # type: ignore[no-untyped-def]
    from engine.calendar import WorkingCalendar

    folder = Path(os.environ.get("MOTCUA_WORKFLOWS") or Path(engine.__file__).resolve().parent.parent / "workflows")
    path = folder / "calendar.yaml"
    return WorkingCalendar.from_yaml(path) if path.exists() else WorkingCalendar()


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("supplement_wait_until", engine.storage.models.UTCDateTime(timezone=True), nullable=True))
    op.add_column("dossiers", sa.Column("late_incurred", sa.Integer(), nullable=True))
    op.add_column("dossiers", sa.Column("closed_at", engine.storage.models.UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_dossiers_supplement_wait", "dossiers", ["status", "supplement_wait_until"], unique=False)
    dossiers = sa.table(
        "dossiers", sa.column("id", sa.Integer()), sa.column("status", sa.String()),
        sa.column("supplement_requested_at", engine.storage.models.UTCDateTime()),
        sa.column("supplement_wait_until", engine.storage.models.UTCDateTime()),
    )
    conn = op.get_bind()
    waiting = conn.execute(
        sa.select(dossiers.c.id, dossiers.c.supplement_requested_at)
        .where(dossiers.c.status == "awaiting_supplement", dossiers.c.supplement_requested_at.is_not(None))
    ).all()
    if waiting:
        calendar = _calendar()
        for dossier_id, requested_at in waiting:
            conn.execute(
                dossiers.update().where(dossiers.c.id == dossier_id)
                .values(supplement_wait_until=calendar.add(requested_at, DEFAULT_WAIT_DAYS, "working_days"))
            )


def downgrade() -> None:
    # Not batch mode: SQLite (3.35+) drops a column in place, where a batch would copy the table,
    # which other tables' foreign keys to dossiers forbid on a populated database.
    op.drop_index("ix_dossiers_supplement_wait", table_name="dossiers")
    for column in ("closed_at", "late_incurred", "supplement_wait_until"):
        op.drop_column("dossiers", column)
