"""Case files carry the plan dates from the case list (plan start, next conference or review, plan end).

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

COLUMNS = ('plan_start_date', 'next_review_date', 'plan_end_date')


def upgrade():
    with op.batch_alter_table('case_files', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Date(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_case_files_{column}'), [column], unique=False)


def downgrade():
    with op.batch_alter_table('case_files', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(batch_op.f(f'ix_case_files_{column}'))
            batch_op.drop_column(column)
