"""The report cache: a version counter raised by every change to the report's inputs, and one
stored report per filter (qa_app/reports/cache.py).

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    state = op.create_table('report_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_report_state_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_state'))
    )
    op.bulk_insert(state, [{"id": 1, "version": 1}])
    op.create_table('report_cache',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_report_cache'))
    )
    with op.batch_alter_table('report_cache', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_cache_version'), ['version'], unique=False)


def downgrade():
    with op.batch_alter_table('report_cache', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_cache_version'))
    op.drop_table('report_cache')
    op.drop_table('report_state')
