"""resource_providers.cache_serial: usage changes that bump no generation

Revision ID: 0002
Revises: 0001

DELETE /allocations/{consumer} frees usage without bumping the providers'
generations (as OpenStack Placement's does); the allocation-candidates
cache validates its entries by ``(generation, cache_serial)`` instead.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('resource_providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cache_serial', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('resource_providers', schema=None) as batch_op:
        batch_op.drop_column('cache_serial')
