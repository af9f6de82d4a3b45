"""services and compute_nodes number their ids with AUTOINCREMENT on SQLite

A cell numbers the ids of its services and compute nodes in its own range
(``nubes/cells/id_ranges.py``).  On SQLite the range's start lives in
``sqlite_sequence``, which SQLite keeps only for ``AUTOINCREMENT`` tables:
rebuild the two tables with it (rows, ids, constraints and indexes kept).
MariaDB/MySQL (``AUTO_INCREMENT``) and PostgreSQL (sequences) need nothing.

Revision ID: cell_0002
Revises: cell_0001
"""
from alembic import op

revision = 'cell_0002'
down_revision = 'cell_0001'
branch_labels = None
depends_on = None

_TABLES = ('services', 'compute_nodes')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in _TABLES:
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in _TABLES:
        with op.batch_alter_table(table, recreate='always'):
            pass
