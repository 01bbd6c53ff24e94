"""Disputes of moderated grades, decided by a third person.

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grade_disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('moderation_id', sa.Integer(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('auditor_grade', sa.Integer(), nullable=False),
    sa.Column('moderated_grade', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('decided_grade', sa.Integer(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("decision IS NULL OR decision IN ('uphold_moderator', 'uphold_auditor', 'different_grade')", name=op.f('ck_grade_disputes_known_decision')),
    sa.CheckConstraint("reason <> ''", name=op.f('ck_grade_disputes_has_reason')),
    sa.CheckConstraint("status <> 'decided' OR (decision IS NOT NULL AND decided_grade IS NOT NULL AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL AND rationale <> '')", name=op.f('ck_grade_disputes_decided_is_whole')),
    sa.CheckConstraint("status IN ('open', 'decided')", name=op.f('ck_grade_disputes_known_status')),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_grade_disputes_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_grade_disputes_decided_by_id_users')),
    sa.ForeignKeyConstraint(['moderation_id'], ['moderations.id'], name=op.f('fk_grade_disputes_moderation_id_moderations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_grade_disputes_raised_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_disputes')),
    sa.UniqueConstraint('audit_id', name=op.f('uq_grade_disputes_audit_id'))
    )
    with op.batch_alter_table('grade_disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_disputes_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('grade_disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_disputes_status'))

    op.drop_table('grade_disputes')
