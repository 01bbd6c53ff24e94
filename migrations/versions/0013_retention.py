"""Retention and legal hold: when each record's text was erased, and legal holds on case files and
rounds.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('legal_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_file_id', sa.Integer(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('placed_at', sa.DateTime(), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.Column('release_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("(case_file_id IS NULL) <> (round_id IS NULL)", name=op.f('ck_legal_holds_one_target')),
    sa.CheckConstraint("reason <> ''", name=op.f('ck_legal_holds_has_reason')),
    sa.CheckConstraint("released_at IS NULL OR release_reason <> ''", name=op.f('ck_legal_holds_release_has_reason')),
    sa.ForeignKeyConstraint(['case_file_id'], ['case_files.id'], name=op.f('fk_legal_holds_case_file_id_case_files')),
    sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_legal_holds_placed_by_id_users')),
    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_legal_holds_released_by_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['audit_rounds.id'], name=op.f('fk_legal_holds_round_id_audit_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_holds'))
    )
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_holds_case_file_id'), ['case_file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_holds_round_id'), ['round_id'], unique=False)
    for table in ('audits', 'actions', 'challenges', 'escalations'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))


def downgrade():
    for table in ('escalations', 'challenges', 'actions', 'audits'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('erased_at')
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_holds_round_id'))
        batch_op.drop_index(batch_op.f('ix_legal_holds_case_file_id'))
    op.drop_table('legal_holds')
