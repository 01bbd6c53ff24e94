"""Stored final grades: the audit's and each answer's grade that counts (the moderator's where a
moderation is completed, else the auditor's), backfilled from the moderations.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SUBMITTED = "('in_moderation', 'moderated', 'resubmitted', 'returned', 'submitted')"


def upgrade():
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_grade', sa.Integer(), nullable=True))
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_grade', sa.Integer(), nullable=True))

    op.execute(f"""
        UPDATE audits SET final_grade = COALESCE(
            (SELECT m.overall_grade FROM moderations m WHERE m.audit_id = audits.id AND m.status = 'completed'),
            overall_grade)
        WHERE status IN {SUBMITTED}""")
    # A question the moderator graded and the auditor left unanswered still has a final grade.
    op.execute("""
        INSERT INTO answers (audit_id, question_key, grade, value, evidence)
        SELECT m.audit_id, ma.question_key, NULL, '', ''
        FROM moderated_answers ma JOIN moderations m ON m.id = ma.moderation_id
        WHERE m.status = 'completed' AND ma.grade IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM answers a WHERE a.audit_id = m.audit_id AND a.question_key = ma.question_key)""")
    op.execute(f"""
        UPDATE answers SET final_grade = COALESCE(
            (SELECT ma.grade FROM moderated_answers ma JOIN moderations m ON m.id = ma.moderation_id
             WHERE m.audit_id = answers.audit_id AND m.status = 'completed'
               AND ma.question_key = answers.question_key AND ma.grade IS NOT NULL),
            grade)
        WHERE audit_id IN (SELECT id FROM audits WHERE status IN {SUBMITTED})""")

    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_audits_submitted_has_final_grade'),
                                         f"status NOT IN {SUBMITTED} OR final_grade IS NOT NULL")


def downgrade():
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audits_submitted_has_final_grade'), type_='check')
        batch_op.drop_column('final_grade')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('final_grade')
