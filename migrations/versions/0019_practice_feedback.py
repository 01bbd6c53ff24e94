"""Practice feedback: audits released to the case's people, the worker's response, the feedback
conversation, and audits done with the worker.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('released_at', sa.DateTime(), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('told', sa.JSON(), nullable=False),
    sa.CheckConstraint("reason IN ('moderated', 'not_selected', 'no_moderation', 'by_hand')", name=op.f('ck_audit_releases_known_reason')),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_audit_releases_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_audit_releases_released_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_releases')),
    sa.UniqueConstraint('audit_id', name=op.f('uq_audit_releases_audit_id'))
    )
    with op.batch_alter_table('audit_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_releases_released_at'), ['released_at'], unique=False)

    op.create_table('audits_done_with_worker',
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_audits_done_with_worker_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_audits_done_with_worker_marked_by_id_users')),
    sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_audits_done_with_worker'))
    )
    op.create_table('feedback_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("attendees <> ''", name=op.f('ck_feedback_conversations_has_attendees')),
    sa.CheckConstraint("method IN ('in_person', 'video', 'phone', 'supervision')", name=op.f('ck_feedback_conversations_known_method')),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_feedback_conversations_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_feedback_conversations_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_conversations')),
    sa.UniqueConstraint('audit_id', name=op.f('uq_feedback_conversations_audit_id'))
    )
    op.create_table('worker_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('agreement', sa.String(length=10), nullable=False),
    sa.Column('will_do', sa.Text(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("agreement IN ('agree', 'partly', 'disagree')", name=op.f('ck_worker_responses_known_agreement')),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_worker_responses_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_worker_responses_worker_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_responses')),
    sa.UniqueConstraint('audit_id', name=op.f('uq_worker_responses_audit_id'))
    )
    with op.batch_alter_table('worker_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_responses_agreement'), ['agreement'], unique=False)



def downgrade():
    with op.batch_alter_table('worker_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_responses_agreement'))

    op.drop_table('worker_responses')
    op.drop_table('feedback_conversations')
    op.drop_table('audits_done_with_worker')
    with op.batch_alter_table('audit_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_releases_released_at'))

    op.drop_table('audit_releases')
