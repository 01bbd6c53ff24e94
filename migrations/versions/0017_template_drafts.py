"""Template drafts edited in the browser.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('template_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('published_as_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published', 'discarded')", name=op.f('ck_template_drafts_known_status')),
    sa.CheckConstraint("status <> 'published' OR published_as_id IS NOT NULL", name=op.f('ck_template_drafts_published_has_version')),
    sa.ForeignKeyConstraint(['based_on_id'], ['template_versions.id'], name=op.f('fk_template_drafts_based_on_id_template_versions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_template_drafts_created_by_id_users')),
    sa.ForeignKeyConstraint(['published_as_id'], ['template_versions.id'], name=op.f('fk_template_drafts_published_as_id_template_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_drafts'))
    )
    with op.batch_alter_table('template_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_template_drafts_key'), ['key'], unique=False)


def downgrade():
    with op.batch_alter_table('template_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_template_drafts_key'))
    op.drop_table('template_drafts')
