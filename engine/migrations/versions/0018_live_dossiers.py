"""lists at scale, part 2: partial indexes of live dossiers (the open-step branch, the overdue lists)

Revision ID: 0018
Revises: 0017

A dossier with an open step is live (not returned, stopped, not received or closed), and an
overdue dossier is live: the lists' open-step branch (``engine.policy.visible_branches``) and the
overdue filter read these small indexes newest first instead of the whole history, so their cost
follows the dossiers in hand (a few per cent), not the years kept. The statuses are literals in
the queries (``engine.policy.live_dossier``) so that every plan matches the predicate.

Runs on a populated database: plain CREATE INDEX (writes to ``dossiers`` wait while each builds,
a few seconds per million dossiers since only live rows enter); on a live system build them
first with CREATE INDEX CONCURRENTLY under the same names and this migration skips what exists.
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

LIVE = ("registered", "received", "processing", "awaiting_supplement", "awaiting_payment", "withdrawal_requested", "resolved")
WHERE = "status IN (" + ", ".join(f"'{s}'" for s in LIVE) + ")"
INDEXES = (
    ("ix_dossiers_live_registered", ["registered_at", "id", "status", "due_at"]),
    ("ix_dossiers_live_agency", ["agency_id", "registered_at", "id", "status", "due_at"]),
    ("ix_dossiers_live_receiving", ["receiving_agency_id", "registered_at", "id", "status", "due_at"]),
)


def upgrade() -> None:
    for name, columns in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON dossiers ({', '.join(columns)}) WHERE {WHERE}")


def downgrade() -> None:
    for name, _columns in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
