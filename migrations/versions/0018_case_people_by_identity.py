"""The case's people by identity: a case file's allocated worker and team manager linked to
accounts, and the names an administrator confirmed (`users link`).

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_name_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('worker', 'manager')", name=op.f('ck_case_name_links_known_kind')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_case_name_links_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_name_links_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_name_links')),
    sa.UniqueConstraint('kind', 'name_key', name='uq_case_name_links_kind_name')
    )
    with op.batch_alter_table('case_name_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_name_links_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('case_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('team_manager', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_files_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_files_worker_id'), ['worker_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_case_files_worker_id_users'), 'users', ['worker_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_case_files_manager_id_users'), 'users', ['manager_id'], ['id'])



def downgrade():
    with op.batch_alter_table('case_files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_files_manager_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_case_files_worker_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_case_files_worker_id'))
        batch_op.drop_index(batch_op.f('ix_case_files_manager_id'))
        batch_op.drop_column('manager_id')
        batch_op.drop_column('team_manager')
        batch_op.drop_column('worker_id')

    with op.batch_alter_table('case_name_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_name_links_user_id'))

    op.drop_table('case_name_links')
