"""a migration keeps the instance's flavor before and after the move

Revision ID: cell_0004
Revises: cell_0003
"""
import sqlalchemy as sa
from alembic import op

revision = 'cell_0004'
down_revision = 'cell_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('migrations') as batch:
        batch.add_column(sa.Column('old_flavor', sa.Text(), nullable=True))
        batch.add_column(sa.Column('new_flavor', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('migrations') as batch:
        batch.drop_column('new_flavor')
        batch.drop_column('old_flavor')
