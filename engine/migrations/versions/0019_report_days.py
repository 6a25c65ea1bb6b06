"""reports at scale: the facts summed per local day (report_days), the slowest steps by night, a trigram index on the folded applicant name

Revision ID: 0019
Revises: 0015

``report_days`` (engine/reports/summary.py) holds, per local day, agency, level, field and
procedure, the flows of Biểu II.06a and the deltas of its stocks; the commands keep it in the
same transaction as the facts from now on. This migration fills it from the facts already
stored (``summary.rebuild``: one pass over report_dossiers and report_spans, about 6 minutes
per million dossiers as measured in bench/README.md), so it runs on a populated database.

``report_step_stats`` holds the dashboard's slowest steps as the nightly scheduler job 'step_stats'
computes them (empty until its first run: the dashboard computes them live meanwhile).

On PostgreSQL, staff search by part of the applicant's name (``report_dossiers.applicant_fold
LIKE '%…%'``) gets a trigram index (pg_trgm, as migration 0014 does for ``dossiers``); where the
extension cannot be created the migration goes on without it and that search scans. A btree
on (registered_at, dossier_id) that includes the folded name serves a name that many share
(newest first, an index-only scan once autovacuum has marked the pages visible).
"""

import logging
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from engine.storage.pg_trgm import trgm_schema

import engine.storage.models

revision = "0019"
down_revision = "0015"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
UTC_DT = engine.storage.models.UTCDateTime(timezone=True)
COUNTERS = ("received", "received_online", "resolved_total", "early", "on_time", "late", "withdrawn", "refused",
            "closed_unsupplemented", "refused_intake", "apologies", "open_delta", "supplement_delta", "overdue_delta")


def upgrade() -> None:
    op.create_table(
        "report_days",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=80), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=80), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS),
        sa.PrimaryKeyConstraint("day", "agency_id", "level", "field", "procedure_code", name=op.f("pk_report_days")),
    )
    op.create_index("ix_report_days_agency", "report_days", ["agency_id", "day"])
    op.create_table(
        "report_step_stats",
        sa.Column("agency_id", sa.String(length=80), nullable=False),
        sa.Column("step_id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("median", sa.Float(), nullable=False),
        sa.Column("p90", sa.Float(), nullable=False),
        sa.Column("computed_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "step_id", "name", name=op.f("pk_report_step_stats")),
    )
    from engine.reports.summary import rebuild

    bind = op.get_bind()
    rebuild(bind, ZoneInfo("Asia/Ho_Chi_Minh"))
    if bind.dialect.name == "postgresql":
        op.execute("ANALYZE report_days")
        _trigram(bind)
        _recent_names()


def _trigram(bind: sa.engine.Connection) -> None:
    schema = trgm_schema(bind)
    if schema is None:
        log.warning("pg_trgm không có: tìm theo một phần tên người nộp sẽ quét bảng (pg_trgm unavailable: search scans)")
        return
    op.execute("CREATE INDEX IF NOT EXISTS ix_report_dossiers_applicant_trgm ON report_dossiers "
               f'USING gin (applicant_fold "{schema}".gin_trgm_ops)')


def _recent_names() -> None:
    """Newest first with the folded name in the index: a name many share is found by an index-only scan."""
    op.execute("CREATE INDEX IF NOT EXISTS ix_report_dossiers_recent_name ON report_dossiers "
               "(registered_at, dossier_id) INCLUDE (applicant_fold)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_report_dossiers_applicant_trgm")
    op.execute("DROP INDEX IF EXISTS ix_report_dossiers_recent_name")
    op.drop_table("report_step_stats")
    op.drop_index("ix_report_days_agency", table_name="report_days")
    op.drop_table("report_days")
