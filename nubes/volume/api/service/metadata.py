"""User metadata of a volume or a snapshot: set (merge or replace) and
delete one key, under the owner's row lock."""
from __future__ import annotations

from typing import Callable

from nubes.common.db.transaction import Database
from nubes.volume import exceptions as exc


def set_metadata(db: Database, check: Callable, repo, owner_id: str,
                 metadata: dict[str, str], *, replace: bool) -> dict[str, str]:
    """``repo`` (``get``, ``set_metadata``, ``replace_metadata``) holds the
    owner; ``check(record)`` raises the 404 when the caller may not see it."""
    def work(conn):
        check(repo.get(conn, owner_id, lock=True))
        if replace:
            repo.replace_metadata(conn, owner_id, metadata)
        else:
            repo.set_metadata(conn, owner_id, metadata)
        return repo.get(conn, owner_id).metadata
    return db.write(work)


def delete_key(db: Database, check: Callable, repo, owner_id: str, key: str,
               noun: str) -> None:
    def work(conn):
        record = check(repo.get(conn, owner_id, lock=True))
        if key not in record.metadata:
            raise exc.NotFound(f"{noun} {owner_id} has no metadata with key {key}.")
        repo.set_metadata(conn, owner_id, {key: None})
    db.write(work)
