"""A server's encrypted admin password (``/servers/{id}/os-server-password``).

Stored as OpenStack compute stores it: in the instance's system metadata
(cell ``instance_system_metadata``), cut into :data:`CHUNKS` items
``password_0`` .. ``password_3`` of at most 255 characters each (a value
column is 255 wide), read back joined in that order.  Nothing in nubes
writes it yet (a guest posts it to a metadata service nubes does not
run); the API shows it (``""`` when there is none) and clears it.  A
server still being built has none.
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.api.compute.service import instance_writes
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import instance_metadata as repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow

CHUNKS = 4
CHUNK_LENGTH = 255
KEYS = [f"password_{i}" for i in range(CHUNKS)]
_CLEAR = instance_writes.Rule("clear password")


def chunks(password: str) -> dict[str, str]:
    """The system metadata items that hold ``password`` (at most
    CHUNKS * CHUNK_LENGTH characters are kept)."""
    return {key: password[i * CHUNK_LENGTH:(i + 1) * CHUNK_LENGTH]
            for i, key in enumerate(KEYS)}


def joined(system_metadata: dict[str, str]) -> str:
    return "".join(system_metadata.get(key) or "" for key in KEYS)


def get(state: ComputeState, ctx: RequestContext, uuid: str) -> str:
    where = instance_writes.target(state, ctx, uuid, _CLEAR)
    if where.cell is None:
        return ""
    return instance_writes.read(state, where, lambda conn: joined(
        repo.get_all(conn, uuid, system=True)))


def clear(state: ComputeState, ctx: RequestContext, uuid: str) -> None:
    where = instance_writes.target(state, ctx, uuid, _CLEAR)
    if where.cell is None:
        return

    def work(conn: sa.Connection, _row) -> None:
        repo.delete_keys(conn, uuid, KEYS, utcnow(), system=True)
    instance_writes.write(state, ctx, where, _CLEAR, work)
