"""the migrations table (moves of instances, listed by os-migrations)

Revision ID: cell_0003
Revises: cell_0002
"""
import sqlalchemy as sa
from alembic import op

revision = 'cell_0003'
down_revision = 'cell_0002'
branch_labels = None
depends_on = None

_INDEXES = [
    ('ix_migrations_deleted_created_at_id', ['deleted', 'created_at', 'id']),
    ('ix_migrations_dest_compute_deleted_status', ['dest_compute', 'deleted', 'status']),
    ('ix_migrations_instance_uuid_deleted_status', ['instance_uuid', 'deleted', 'status']),
    ('ix_migrations_project_id_user_id', ['project_id', 'user_id']),
    ('ix_migrations_source_compute_deleted_status', ['source_compute', 'deleted', 'status']),
    ('ix_migrations_updated_at', ['updated_at']),
]


def upgrade() -> None:
    op.create_table('migrations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=True),
    sa.Column('source_compute', sa.String(length=255), nullable=True),
    sa.Column('dest_compute', sa.String(length=255), nullable=True),
    sa.Column('source_node', sa.String(length=255), nullable=True),
    sa.Column('dest_node', sa.String(length=255), nullable=True),
    sa.Column('dest_host', sa.String(length=255), nullable=True),
    sa.Column('old_instance_type_id', sa.Integer(), nullable=True),
    sa.Column('new_instance_type_id', sa.Integer(), nullable=True),
    sa.Column('instance_uuid', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=255), nullable=True),
    sa.Column('migration_type', sa.String(length=255), nullable=True),
    sa.Column('hidden', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('memory_total', sa.BigInteger(), nullable=True),
    sa.Column('memory_processed', sa.BigInteger(), nullable=True),
    sa.Column('memory_remaining', sa.BigInteger(), nullable=True),
    sa.Column('disk_total', sa.BigInteger(), nullable=True),
    sa.Column('disk_processed', sa.BigInteger(), nullable=True),
    sa.Column('disk_remaining', sa.BigInteger(), nullable=True),
    sa.Column('cross_cell_move', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=True),
    sa.Column('project_id', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['instance_uuid'], ['instances.uuid'],
                            name=op.f('fk_migrations_instance_uuid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_migrations')),
    sa.UniqueConstraint('uuid', name=op.f('uq_migrations_uuid'))
    )
    with op.batch_alter_table('migrations', schema=None) as batch_op:
        for name, columns in _INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('migrations', schema=None) as batch_op:
        for name, _ in _INDEXES:
            batch_op.drop_index(name)
    op.drop_table('migrations')
