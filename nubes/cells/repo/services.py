"""SQL for services (cell database), as host discovery needs them."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.cell_db.models import services

# The binary a compute agent registers under (the name clients know).
COMPUTE_BINARY = "nova-compute"


def compute_hosts(conn: sa.Connection) -> list[str]:
    return list(conn.scalars(
        sa.select(services.c.host).distinct()
        .where(services.c.binary == COMPUTE_BINARY, services.c.deleted == 0,
               services.c.host.is_not(None))
        .order_by(services.c.host)))
