"""Stable identifiers for audits and actions (carried by the exchange workbook), and accounts made
by a results import, which can be merged into a person's real account.

Revision ID: 0009
Revises: 0008
"""
import uuid

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('audits', 'actions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('uid', sa.String(length=32), nullable=True))
        bind = op.get_bind()
        for (row_id,) in bind.execute(sa.text(f"SELECT id FROM {table}")).all():
            bind.execute(sa.text(f"UPDATE {table} SET uid = :uid WHERE id = :id"), {"uid": uuid.uuid4().hex, "id": row_id})
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('uid', existing_type=sa.String(length=32), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_uid'), ['uid'])
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audits_known_sampled_by'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audits_known_sampled_by'), "sampled_by IN ('rule', 'hand', 'import')")
    op.execute("UPDATE audits SET sampled_by = 'import' WHERE round_id IN "
               "(SELECT id FROM audit_rounds WHERE CAST(sample_rule AS TEXT) LIKE '%imported_from%')")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_from', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_merged_into_id_users'), 'users', ['merged_into_id'], ['id'])


def downgrade():
    op.execute("UPDATE audits SET sampled_by = 'hand' WHERE sampled_by = 'import'")
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audits_known_sampled_by'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audits_known_sampled_by'), "sampled_by IN ('rule', 'hand')")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_merged_into_id_users'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('imported_from')
    for table in ('actions', 'audits'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_uid'), type_='unique')
            batch_op.drop_column('uid')
