"""Change and review: one open escalation per audit; one reflection per author per audit.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index('uq_escalations_open_audit', ['audit_id'], unique=True,
                              sqlite_where=sa.text("status = 'raised'"),
                              postgresql_where=sa.text("status = 'raised'"))
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.create_index('uq_reflections_audit_author', ['audit_id', 'author_id'], unique=True)


def downgrade():
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.drop_index('uq_reflections_audit_author')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('uq_escalations_open_audit')
