"""The audit programme: recurring rounds, their runs, reminders; each user's manager.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_manager_id_users'), 'users', ['manager_id'], ['id'])

    op.create_table('programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('template_key', sa.String(length=80), nullable=False),
    sa.Column('sample_rule', sa.JSON(), nullable=False),
    sa.Column('day_of_month', sa.Integer(), nullable=False),
    sa.Column('due_working_days', sa.Integer(), nullable=False),
    sa.Column('auto_assign', sa.Boolean(), nullable=False),
    sa.Column('match_service_area', sa.Boolean(), nullable=False),
    sa.Column('moderation_percent', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('day_of_month BETWEEN 1 AND 28', name=op.f('ck_programmes_day_of_month_range')),
    sa.CheckConstraint('due_working_days BETWEEN 1 AND 60', name=op.f('ck_programmes_due_working_days_range')),
    sa.CheckConstraint('moderation_percent BETWEEN 0 AND 100', name=op.f('ck_programmes_moderation_percent_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_programmes_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programmes')),
    sa.UniqueConstraint('name', name=op.f('uq_programmes_name'))
    )
    op.create_table('programme_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_runs_programme_id_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['audit_rounds.id'], name=op.f('fk_programme_runs_round_id_audit_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_runs')),
    sa.UniqueConstraint('programme_id', 'period', name='uq_programme_runs_period')
    )
    op.create_table('audit_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('due_soon', 'overdue', 'escalated')", name=op.f('ck_audit_reminders_known_kind')),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_audit_reminders_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_audit_reminders_recipient_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_reminders')),
    sa.UniqueConstraint('audit_id', 'kind', 'due_date', name='uq_audit_reminders_once')
    )
    with op.batch_alter_table('audit_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_reminders_audit_id'), ['audit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_reminders_audit_id'))
    op.drop_table('audit_reminders')
    op.drop_table('programme_runs')
    op.drop_table('programmes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_manager_id_users'), type_='foreignkey')
        batch_op.drop_column('manager_id')
