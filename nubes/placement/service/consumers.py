"""Consumers: the generation check a write makes and the consumer row it
leaves behind.

These run inside the transaction of the allocation write that needs them
(``service.allocations`` owns it).  A consumer row exists exactly while the
consumer holds allocations; every write bumps its generation with a
guarded UPDATE (or removes it with a guarded DELETE), and a lost race asks
the whole transaction to run again.
"""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from nubes.common.db.transaction import RetryRequest
from nubes.placement import exceptions as exc
from nubes.placement.repo import consumers as repo


class _Unchecked:
    def __repr__(self) -> str:
        return "UNCHECKED"


#: ``generation`` of a request made before microversion 1.28, which
#: carries none and so is never refused for a stale view.
UNCHECKED = _Unchecked()


@dataclasses.dataclass(frozen=True)
class ConsumerRequest:
    """Who a write is for, as the caller describes the consumer."""
    uuid: str
    project_id: str
    user_id: str
    #: The generation the caller believes the consumer has: None for "does
    #: not exist yet", UNCHECKED before microversion 1.28.
    generation: int | None | _Unchecked = UNCHECKED
    #: Set from microversion 1.38; None leaves an existing consumer's type.
    consumer_type: str | None = None


def _lost_race() -> RetryRequest:
    return RetryRequest(exc.ConcurrentUpdate(
        "consumer generation conflict - another process changed the consumer's "
        "allocations; fetch them again and retry"))


def check_generation(request: ConsumerRequest, row: sa.Row | None) -> None:
    """409 placement.concurrent_update when the caller's view is stale."""
    if request.generation is UNCHECKED:
        return
    current = None if row is None else row.generation
    if current != request.generation:
        expected = "null" if current is None else current
        got = "null" if request.generation is None else request.generation
        raise exc.ConcurrentUpdate(
            f"consumer generation conflict - expected {expected} but got {got}")


def save(conn: sa.Connection, request: ConsumerRequest, row: sa.Row | None,
         has_allocations: bool, known_ids: repo.Ids | None = None) -> None:
    """Create, update or remove the consumer row for a write that leaves the
    consumer with (or without) allocations.  ``known_ids`` are the ids of
    the request's project, user and type if already read."""
    if row is None:
        if not has_allocations:
            return
        ids = repo.resolve_ids(conn, project=request.project_id, user=request.user_id,
                               type_name=request.consumer_type, known=known_ids)
        try:
            repo.insert(conn, uuid=request.uuid, project_id=ids.project, user_id=ids.user,
                        consumer_type_id=ids.type, generation=1)
        except repo.DuplicateConsumer:
            raise _lost_race() from None
        return
    if not has_allocations:
        remove(conn, row)
        return
    project_id, user_id, type_id = row.project_id, row.user_id, row.consumer_type_id
    changed = {
        "project": request.project_id if request.project_id != row.project_external_id else None,
        "user": request.user_id if request.user_id != row.user_external_id else None,
        "type_name": (request.consumer_type
                      if request.consumer_type not in (None, row.consumer_type) else None),
    }
    if any(value is not None for value in changed.values()):
        ids = repo.resolve_ids(conn, **changed, known=known_ids)
        project_id = project_id if ids.project is None else ids.project
        user_id = user_id if ids.user is None else ids.user
        type_id = type_id if ids.type is None else ids.type
    if not repo.update_guarded(conn, row, project_id=project_id, user_id=user_id,
                               consumer_type_id=type_id):
        raise _lost_race()


def remove(conn: sa.Connection, row: sa.Row) -> None:
    """Remove a consumer whose allocations were all deleted."""
    if not repo.delete_guarded(conn, row):
        raise _lost_race()
