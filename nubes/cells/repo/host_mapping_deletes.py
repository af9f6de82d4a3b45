"""Removing a host's mapping (API database) when its compute service is
deleted.  (Belongs beside ``host_mappings.py``; kept apart so that module's
owner can fold it in.)"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.api_db.models import host_mappings as hm


def delete_by_host(conn: sa.Connection, host: str) -> int:
    return conn.execute(sa.delete(hm).where(hm.c.host == host)).rowcount
