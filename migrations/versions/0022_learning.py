"""Learning briefs, the teams they were published to, and training-need tags.

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('learning_briefs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('strengths', sa.Text(), nullable=False),
    sa.Column('areas', sa.Text(), nullable=False),
    sa.Column('key_messages', sa.Text(), nullable=False),
    sa.Column('drafted_from', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status <> 'published' OR (published_at IS NOT NULL AND published_by_id IS NOT NULL)", name=op.f('ck_learning_briefs_published_is_whole')),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_learning_briefs_known_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_learning_briefs_created_by_id_users')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_learning_briefs_published_by_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['audit_rounds.id'], name=op.f('fk_learning_briefs_round_id_audit_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_briefs')),
    sa.UniqueConstraint('round_id', name=op.f('uq_learning_briefs_round_id'))
    )
    with op.batch_alter_table('learning_briefs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_briefs_status'), ['status'], unique=False)

    op.create_table('learning_brief_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brief_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('told', sa.JSON(), nullable=False),
    sa.Column('discussed_on', sa.Date(), nullable=True),
    sa.Column('discussed_by_id', sa.Integer(), nullable=True),
    sa.Column('discussion_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['brief_id'], ['learning_briefs.id'], name=op.f('fk_learning_brief_recipients_brief_id_learning_briefs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['discussed_by_id'], ['users.id'], name=op.f('fk_learning_brief_recipients_discussed_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_learning_brief_recipients_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_brief_recipients')),
    sa.UniqueConstraint('brief_id', 'team_id', name='uq_learning_brief_recipients_team')
    )
    with op.batch_alter_table('learning_brief_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_brief_recipients_brief_id'), ['brief_id'], unique=False)

    op.create_table('training_needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=80), nullable=True),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('need', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("need IN ('risk_analysis', 'smart_planning', 'direct_work', 'recording', 'contingency', 'domestic_abuse', 'neglect', 'oversight', 'multi_agency', 'exploitation')", name=op.f('ck_training_needs_known_need')),
    sa.CheckConstraint('question_key IS NOT NULL OR action_id IS NOT NULL', name=op.f('ck_training_needs_tags_something')),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_training_needs_action_id_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_training_needs_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_training_needs_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_needs'))
    )
    with op.batch_alter_table('training_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_needs_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_needs_audit_id'), ['audit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_needs_need'), ['need'], unique=False)



def downgrade():
    with op.batch_alter_table('training_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_needs_need'))
        batch_op.drop_index(batch_op.f('ix_training_needs_audit_id'))
        batch_op.drop_index(batch_op.f('ix_training_needs_action_id'))

    op.drop_table('training_needs')
    with op.batch_alter_table('learning_brief_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_brief_recipients_brief_id'))

    op.drop_table('learning_brief_recipients')
    with op.batch_alter_table('learning_briefs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_briefs_status'))

    op.drop_table('learning_briefs')
