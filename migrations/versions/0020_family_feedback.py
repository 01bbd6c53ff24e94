"""Family and child feedback: who gave it, how, with consent, and their answers to the template's
feedback questions.

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('family_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_file_id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('template_version_id', sa.Integer(), nullable=False),
    sa.Column('respondent', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('what_changed', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("method IN ('phone', 'visit', 'form', 'meeting', 'advocate')", name=op.f('ck_family_feedback_known_method')),
    sa.CheckConstraint("respondent IN ('child', 'parent', 'carer', 'foster_carer', 'adopter', 'other')", name=op.f('ck_family_feedback_known_respondent')),
    sa.CheckConstraint('consent', name=op.f('ck_family_feedback_consent_given')),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_family_feedback_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_file_id'], ['case_files.id'], name=op.f('fk_family_feedback_case_file_id_case_files')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_family_feedback_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['audit_rounds.id'], name=op.f('fk_family_feedback_round_id_audit_rounds')),
    sa.ForeignKeyConstraint(['template_version_id'], ['template_versions.id'], name=op.f('fk_family_feedback_template_version_id_template_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_feedback'))
    )
    with op.batch_alter_table('family_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_feedback_audit_id'), ['audit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_feedback_case_file_id'), ['case_file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_feedback_received_on'), ['received_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_feedback_respondent'), ['respondent'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_feedback_round_id'), ['round_id'], unique=False)

    op.create_table('family_feedback_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('scored', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['family_feedback.id'], name=op.f('fk_family_feedback_answers_record_id_family_feedback'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_feedback_answers')),
    sa.UniqueConstraint('record_id', 'question_key', name='uq_family_feedback_answers_question')
    )
    with op.batch_alter_table('family_feedback_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_feedback_answers_record_id'), ['record_id'], unique=False)



def downgrade():
    with op.batch_alter_table('family_feedback_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_feedback_answers_record_id'))

    op.drop_table('family_feedback_answers')
    with op.batch_alter_table('family_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_feedback_round_id'))
        batch_op.drop_index(batch_op.f('ix_family_feedback_respondent'))
        batch_op.drop_index(batch_op.f('ix_family_feedback_received_on'))
        batch_op.drop_index(batch_op.f('ix_family_feedback_case_file_id'))
        batch_op.drop_index(batch_op.f('ix_family_feedback_audit_id'))

    op.drop_table('family_feedback')
