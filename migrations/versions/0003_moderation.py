"""Moderation: hand changes to the moderation sample (with reasons) and the moderation invariants.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

REASONS = "('percentage', 'inadequate', 'outstanding', 'immediate_risk', 'hand')"


def upgrade():
    op.create_table(
        'moderation_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('audit_id', sa.Integer(), nullable=False),
        sa.Column('change', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("change IN ('added', 'withdrawn')", name=op.f('ck_moderation_changes_known_change')),
        sa.CheckConstraint("reason <> ''", name=op.f('ck_moderation_changes_has_reason')),
        sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_moderation_changes_audit_id_audits'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_moderation_changes_changed_by_id_users')),
        sa.ForeignKeyConstraint(['round_id'], ['audit_rounds.id'],
                                name=op.f('fk_moderation_changes_round_id_audit_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_changes')),
    )
    with op.batch_alter_table('moderation_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_changes_audit_id'), ['audit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_changes_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('moderations', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_moderations_graded_is_whole'),
            "status NOT IN ('graded', 'returned', 'completed') OR (overall_grade IS NOT NULL "
            "AND graded_at IS NOT NULL AND moderator_id IS NOT NULL)")
        batch_op.create_check_constraint(op.f('ck_moderations_known_selected_because'), f"selected_because IN {REASONS}")


def downgrade():
    with op.batch_alter_table('moderations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_moderations_known_selected_because'), type_='check')
        batch_op.drop_constraint(op.f('ck_moderations_graded_is_whole'), type_='check')

    with op.batch_alter_table('moderation_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_changes_round_id'))
        batch_op.drop_index(batch_op.f('ix_moderation_changes_audit_id'))
    op.drop_table('moderation_changes')
