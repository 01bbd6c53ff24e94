"""Rounds that can change (cancelled rounds and audits, service-area matching) and report targets.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ROUND_STATUSES = "'planning', 'auditing', 'moderating', 'reporting', 'closed'"
AUDIT_STATUSES = "'not_started', 'in_progress', 'submitted', 'in_moderation', 'returned', 'resubmitted', 'moderated', 'removed'"


def upgrade():
    with op.batch_alter_table('audit_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_service_area', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_constraint(batch_op.f('ck_audit_rounds_known_status'), type_='check')
        batch_op.create_check_constraint('known_status', f"status IN ({ROUND_STATUSES}, 'cancelled')")
        batch_op.create_check_constraint(
            'cancelled_has_reason', "status <> 'cancelled' OR (cancelled_at IS NOT NULL AND cancel_reason <> '')")
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audits_known_status'), type_='check')
        batch_op.create_check_constraint('known_status', f"status IN ({AUDIT_STATUSES}, 'cancelled')")

    op.create_table('report_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('question_key', sa.String(length=80), nullable=True),
    sa.Column('option', sa.String(length=400), nullable=True),
    sa.Column('comparison', sa.String(length=10), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('amber_margin', sa.Float(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("comparison IN ('at_most', 'at_least')", name=op.f('ck_report_targets_known_comparison')),
    sa.CheckConstraint("measure IN ('percent_inadequate', 'percent_good_or_better', 'compliance')", name=op.f('ck_report_targets_known_measure')),
    sa.CheckConstraint('value BETWEEN 0 AND 100', name=op.f('ck_report_targets_value_range')),
    sa.CheckConstraint('amber_margin BETWEEN 0 AND 100', name=op.f('ck_report_targets_amber_margin_range')),
    sa.CheckConstraint("measure <> 'compliance' OR (question_key IS NOT NULL AND option IS NOT NULL)", name=op.f('ck_report_targets_compliance_names_an_answer')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_report_targets_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_targets'))
    )


def downgrade():
    op.drop_table('report_targets')
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audits_known_status'), type_='check')
        batch_op.create_check_constraint('known_status', f"status IN ({AUDIT_STATUSES})")
    with op.batch_alter_table('audit_rounds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audit_rounds_cancelled_has_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_audit_rounds_known_status'), type_='check')
        batch_op.create_check_constraint('known_status', f"status IN ({ROUND_STATUSES})")
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('match_service_area')
