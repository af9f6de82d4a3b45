"""image data location

Revision ID: image_0002
Revises: image_0001
"""
from alembic import op
import sqlalchemy as sa

revision = 'image_0002'
down_revision = 'image_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location', sa.String(length=2048), nullable=True))
