"""Key pairs (API database), scoped to a user; the number a user may hold
is ``[quota] key_pairs`` (-1: unlimited)."""
from __future__ import annotations

import dataclasses

from sqlalchemy import exc as sa_exc

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import key_material
from nubes.api.compute.state import ComputeState
from nubes.cells import quota as cell_quota
from nubes.cells.records import KeyPairRecord
from nubes.cells.repo import key_pairs as repo
from nubes.cells.repo import quota_locks


class OverQuota(exc.ComputeError):
    """403: the user holds as many key pairs as allowed."""


@dataclasses.dataclass(frozen=True)
class Created:
    keypair: KeyPairRecord
    private_key: str | None


def _not_found(name: str, user_id: str) -> exc.NotFound:
    return exc.NotFound(f"Keypair {name} not found for user {user_id}")


def create(state: ComputeState, user_id: str, name: str, key_type: str,
           public_key: str | None, project_id: str | None = None) -> Created:
    """``project_id``: the project whose quota applies (the caller's);
    its ``key_pairs`` limit is per user, with the user's own row first."""
    def refuse(conn) -> None:
        if repo.get(conn, user_id, name) is not None:
            raise exc.Conflict(f"Key pair '{name}' already exists.")
        limit = cell_quota.limits_in(conn, state.conf, project_id,
                                     user_id).get("key_pairs", -1)
        if limit >= 0 and repo.count(conn, user_id) >= limit:
            raise OverQuota("Quota exceeded, too many key pairs.")
    if public_key is None:
        # Refused before a key is generated (an RSA key costs tens of ms
        # of CPU); checked again in the write, where it counts.
        state.api_db.read(refuse)
    private_key = None
    try:
        if public_key is None:
            private_key, public_key = (key_material.generate_x509(user_id)
                                       if key_type == "x509" else key_material.generate_ssh())
        fingerprint = key_material.fingerprint(public_key, key_type)
    except ValueError as error:
        raise exc.Invalid(str(error)) from None

    def work(conn):
        if project_id is not None:      # racing creates count one at a time
            quota_locks.lock(conn, project_id)
        refuse(conn)
        repo.create(conn, user_id=user_id, name=name, fingerprint=fingerprint,
                    public_key=public_key, key_type=key_type)
        return repo.get(conn, user_id, name)
    try:
        return Created(state.api_db.write(work), private_key)
    except sa_exc.IntegrityError:
        raise exc.Conflict(f"Key pair '{name}' already exists.") from None


def get(state: ComputeState, user_id: str, name: str) -> KeyPairRecord:
    found = state.api_db.read(lambda conn: repo.get(conn, user_id, name))
    if found is None:
        raise _not_found(name, user_id)
    return found


def list_for_user(state: ComputeState, user_id: str, *, limit: int | None = None,
                  marker: str | None = None) -> list[KeyPairRecord]:
    found = sorted(state.api_db.read(lambda conn: repo.list_for_user(conn, user_id)),
                   key=lambda k: k.name)
    if marker is not None:
        names = [k.name for k in found]
        if marker not in names:
            raise exc.Invalid(f"marker [{marker}] not found")
        found = found[names.index(marker) + 1:]
    return found if limit is None else found[:limit]


def delete(state: ComputeState, user_id: str, name: str) -> None:
    if not state.api_db.write(lambda conn: repo.delete(conn, user_id, name)):
        raise _not_found(name, user_id)
