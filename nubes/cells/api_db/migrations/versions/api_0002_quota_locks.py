"""quota_locks: the per-project lock of counted quotas

Revision ID: api_0002
Revises: api_0001
"""
from alembic import op
import sqlalchemy as sa


revision = 'api_0002'
down_revision = 'api_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quota_locks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quota_locks')),
    sa.UniqueConstraint('project_id', name=op.f('uq_quota_locks_project_id'))
    )
