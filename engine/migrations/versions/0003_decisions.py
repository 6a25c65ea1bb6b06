"""decisions applied to the catalogue

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
import engine.storage.models
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'decisions',
        sa.Column('id', sa.String(length=120), nullable=False),
        sa.Column('number', sa.String(length=120), nullable=True),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('issuer', sa.String(length=300), nullable=False),
        sa.Column('signed', sa.Date(), nullable=True),
        sa.Column('effective', sa.Date(), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('document', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
        sa.Column('applied_at', engine.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('applied_by', sa.String(length=80), nullable=False),
        sa.Column('transfers_done_at', engine.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index('ix_decisions_effective', ['effective'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_effective')
    op.drop_table('decisions')
