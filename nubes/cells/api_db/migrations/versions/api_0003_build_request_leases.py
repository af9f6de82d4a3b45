"""build_requests.lease_owner/lease_expires: which super-conductor is
turning a build request into an instance, and until when

Revision ID: api_0003
Revises: api_0002
"""
from alembic import op
import sqlalchemy as sa


revision = 'api_0003'
down_revision = 'api_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('build_requests') as batch:
        batch.add_column(sa.Column('lease_owner', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('lease_expires', sa.DateTime(), nullable=True))
