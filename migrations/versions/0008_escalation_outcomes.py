"""Escalations: a stored acknowledgement deadline, the overdue reminder, and the outcome that
closes an escalation.

Revision ID: 0008
Revises: 0007
"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OUTCOMES = ("('strategy_discussion', 'child_seen', 'section_47', 'police', 'safety_plan', "
            "'no_further_action', 'other')")


def _end_of_next_working_day(raised_at: datetime) -> datetime:
    """The deadline escalations had before this revision (kept for those already raised)."""
    from qa_app.working_days import end_of_next_working_day

    london = ZoneInfo("Europe/London")
    local = raised_at.replace(tzinfo=UTC).astimezone(london).replace(tzinfo=None)
    return end_of_next_working_day(local).replace(tzinfo=london).astimezone(UTC).replace(tzinfo=None)


def upgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('overdue_sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('outcome_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('outcome_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
    bind = op.get_bind()
    for escalation_id, raised_at in bind.execute(sa.text("SELECT id, raised_at FROM escalations")).all():
        if isinstance(raised_at, str):
            raised_at = datetime.fromisoformat(raised_at)
        bind.execute(sa.text("UPDATE escalations SET due_at = :due WHERE id = :id"),
                     {"due": _end_of_next_working_day(raised_at), "id": escalation_id})
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.alter_column('due_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index(batch_op.f('ix_escalations_due_at'), ['due_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_escalations_closed_by_id_users'), 'users', ['closed_by_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_escalations_known_status'), type_='check')
        batch_op.drop_constraint(op.f('ck_escalations_acknowledged_is_whole'), type_='check')
        batch_op.create_check_constraint(op.f('ck_escalations_known_status'),
                                         "status IN ('raised', 'acknowledged', 'closed')")
        batch_op.create_check_constraint(
            op.f('ck_escalations_acknowledged_is_whole'),
            "status = 'raised' OR (acknowledged_by_id IS NOT NULL AND acknowledged_at IS NOT NULL "
            "AND action_taken <> '')")
        batch_op.create_check_constraint(
            op.f('ck_escalations_closed_has_outcome'),
            "status <> 'closed' OR (outcome IS NOT NULL AND outcome_on IS NOT NULL AND closed_by_id IS NOT NULL "
            "AND closed_at IS NOT NULL)")
        batch_op.create_check_constraint(op.f('ck_escalations_known_outcome'),
                                         f"outcome IS NULL OR outcome IN {OUTCOMES}")


def downgrade():
    op.execute("UPDATE escalations SET status = 'acknowledged' WHERE status = 'closed'")
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_escalations_known_outcome'), type_='check')
        batch_op.drop_constraint(op.f('ck_escalations_closed_has_outcome'), type_='check')
        batch_op.drop_constraint(op.f('ck_escalations_acknowledged_is_whole'), type_='check')
        batch_op.drop_constraint(op.f('ck_escalations_known_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_escalations_known_status'), "status IN ('raised', 'acknowledged')")
        batch_op.create_check_constraint(
            op.f('ck_escalations_acknowledged_is_whole'),
            "status <> 'acknowledged' OR (acknowledged_by_id IS NOT NULL AND acknowledged_at IS NOT NULL "
            "AND action_taken <> '')")
        batch_op.drop_constraint(batch_op.f('fk_escalations_closed_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_escalations_due_at'))
        for column in ('closed_at', 'closed_by_id', 'outcome_on', 'outcome_note', 'outcome', 'overdue_sent_at',
                       'due_at'):
            batch_op.drop_column(column)
