"""snapshots, snapshot metadata, volume image metadata; volume sources

Revision ID: volume_0002
Revises: volume_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = 'volume_0002'
down_revision = 'volume_0001'
branch_labels = None
depends_on = None


def _key():
    return sa.String(length=255).with_variant(
        mysql.VARCHAR(charset='utf8mb4', collation='utf8mb4_bin', length=255), 'mariadb'
    ).with_variant(mysql.VARCHAR(charset='utf8mb4', collation='utf8mb4_bin', length=255),
                   'mysql')


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def upgrade() -> None:
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snapshot_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('source_volid', sa.String(length=36), nullable=True))
    op.create_table('snapshots',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=True),
    sa.Column('volume_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('progress', sa.String(length=32), nullable=True),
    sa.Column('provider_location', sa.String(length=1024), nullable=True),
    sa.Column('error_message', sa.String(length=1024), nullable=True),
    *_timestamps(),
    sa.ForeignKeyConstraint(['volume_id'], ['volumes.id'], name=op.f('fk_snapshots_volume_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshots'))
    )
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_snapshots_project_id_created_at', ['project_id', 'created_at'],
                              unique=False)
        batch_op.create_index('ix_snapshots_volume_id', ['volume_id'], unique=False)
    op.create_table('snapshot_metadata',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('snapshot_id', sa.String(length=36), nullable=False),
    sa.Column('key', _key(), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    *_timestamps(),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'],
                            name=op.f('fk_snapshot_metadata_snapshot_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot_metadata')),
    sa.UniqueConstraint('snapshot_id', 'key', name=op.f('uq_snapshot_metadata_snapshot_id_key'))
    )
    op.create_table('volume_image_metadata',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('volume_id', sa.String(length=36), nullable=False),
    sa.Column('key', _key(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    *_timestamps(),
    sa.ForeignKeyConstraint(['volume_id'], ['volumes.id'],
                            name=op.f('fk_volume_image_metadata_volume_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_image_metadata')),
    sa.UniqueConstraint('volume_id', 'key', name=op.f('uq_volume_image_metadata_volume_id_key'))
    )


def downgrade() -> None:
    op.drop_table('volume_image_metadata')
    op.drop_table('snapshot_metadata')
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_snapshots_volume_id')
        batch_op.drop_index('ix_snapshots_project_id_created_at')
    op.drop_table('snapshots')
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.drop_column('source_volid')
        batch_op.drop_column('snapshot_id')
