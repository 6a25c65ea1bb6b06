"""lists at scale: the sort key per visibility branch, open steps by agency, the inbox's active steps, trigram search

Revision ID: 0014
Revises: 0010

The staff list is the union of three index-ordered queries (competent agency, receiving
agency, an open step at the agency: ``engine.policy.visible_branches``), each sorted newest
first by (registered_at, id); the administrator's list reads (registered_at, id) alone.
On PostgreSQL, search by part of a code or of the applicant's name uses trigram indexes
(pg_trgm); where the extension cannot be created the migration goes on without them and
search scans, as it does on SQLite.

Runs on a populated database: plain CREATE INDEX (PostgreSQL takes a lock that holds off
writes to the table while it builds, about a minute per index at a million dossiers; on a
live system build them first with CREATE INDEX CONCURRENTLY under the same names and this
migration skips what exists).
"""

import logging

import sqlalchemy as sa
from alembic import op

from engine.storage.pg_trgm import trgm_schema

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
ACTIVE = "state IN ('open', 'waiting')"
BTREE = (
    ("ix_dossiers_registered", "dossiers", ["registered_at", "id"]),
    ("ix_dossiers_agency_registered", "dossiers", ["agency_id", "registered_at", "id"]),
    ("ix_dossiers_receiving_registered", "dossiers", ["receiving_agency_id", "registered_at", "id"]),
)


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for name, table, columns in BTREE:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(columns)})")
    op.execute(f"CREATE INDEX IF NOT EXISTS ix_tasks_open_agency ON tasks (agency_id, dossier_id) WHERE {ACTIVE}")
    # The inbox reads active steps only, in this order: a partial index holds them alone (a few per
    # cent of all steps) and replaces the one over every step ever taken.
    op.execute("CREATE INDEX IF NOT EXISTS ix_tasks_inbox_open ON tasks "
               f"(agency_id, role, state, due_at, id, division, claimed_by) WHERE {ACTIVE}")
    op.execute("DROP INDEX IF EXISTS ix_tasks_inbox")
    if postgres:
        _trigram(bind)


def _trigram(bind: sa.engine.Connection) -> None:
    schema = trgm_schema(bind)
    if schema is None:
        log.warning("pg_trgm không có: tìm theo một phần mã/tên sẽ quét bảng (pg_trgm unavailable: search scans)")
        return
    ops = f'"{schema}".gin_trgm_ops'
    op.execute(f"CREATE INDEX IF NOT EXISTS ix_dossiers_code_trgm ON dossiers USING gin (code {ops})")
    op.execute(f"CREATE INDEX IF NOT EXISTS ix_dossiers_applicant_trgm ON dossiers USING gin ((applicant ->> 'name') {ops})")


def downgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_tasks_inbox ON tasks (agency_id, role, state, due_at, division)")
    for name in ("ix_dossiers_applicant_trgm", "ix_dossiers_code_trgm", "ix_tasks_open_agency", "ix_tasks_inbox_open", *(b[0] for b in BTREE)):
        op.execute(f"DROP INDEX IF EXISTS {name}")
