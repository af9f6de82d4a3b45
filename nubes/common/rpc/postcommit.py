"""Cast after commit: messages collected in a transaction, sent once it commits.

A service that writes the database and then tells another service about it
must not send the message before the commit (the receiver could read the
old state, or act on a change that then rolls back).  :meth:`Database.write`
may also run the unit of work several times (deadlock and generation
retries), so casts collected by a failed attempt must be forgotten.

Two ways to use it::

    def work(conn, casts):
        repo.set_task_state(conn, uuid, "deleting")
        casts.cast(compute_rpc.prepare(server=host), ctx, "terminate_instance",
                   instance_uuid=uuid)
        return uuid

    write_then_cast(db, work)          # commit, then send

or, when the caller wants the collector in scope::

    with PostCommitCasts() as casts:
        db.write(casts.each_attempt(lambda conn: work(conn, casts)))
    # sent on leaving the block without an exception; discarded otherwise

Messages are encoded when they are added, so an argument that cannot be
serialised fails the transaction instead of vanishing after the commit.
Sending happens in order; if some fail, the rest are still sent and the
first failure is raised (the commit stands).
"""
from __future__ import annotations

import logging
from typing import Any, Callable, TypeVar

import sqlalchemy as sa

from nubes.common.context import RequestContext
from nubes.common.rpc.client import Outgoing, RPCClient
from nubes.common.rpc.target import Target

LOG = logging.getLogger(__name__)
T = TypeVar("T")


class PostCommitCasts:
    def __init__(self) -> None:
        self._pending: list[Outgoing] = []

    # --- collecting ---------------------------------------------------------

    def cast(self, client: RPCClient, ctx: RequestContext | None, method: str,
             /, **kwargs: Any) -> None:
        self._pending.append(client.message(ctx, method, **kwargs))

    def fanout_cast(self, client: RPCClient, ctx: RequestContext | None,
                    method: str, /, **kwargs: Any) -> None:
        fanout = client.prepare(server=None, fanout=True)
        self._pending.append(fanout.message(ctx, method, **kwargs))

    def add(self, message: Outgoing) -> None:
        self._pending.append(message)

    def discard(self) -> None:
        self._pending.clear()

    def each_attempt(self, work: Callable[[sa.Connection], T]) -> Callable[[sa.Connection], T]:
        """Wrap a unit of work so each (re)try starts with no casts."""
        def attempt(conn: sa.Connection) -> T:
            self.discard()
            return work(conn)
        return attempt

    @property
    def pending(self) -> list[Target]:
        return [message.target for message in self._pending]

    # --- sending ------------------------------------------------------------

    def send(self) -> None:
        messages, self._pending = self._pending, []
        first_error: Exception | None = None
        for message in messages:
            try:
                message.send()
            except Exception as exc:
                LOG.error("cast %s to %s after commit failed: %s",
                          message.method, message.target, exc)
                first_error = first_error or exc
        if first_error is not None:
            raise first_error

    def __enter__(self) -> "PostCommitCasts":
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.send()
        else:
            self.discard()


def write_then_cast(db: Any, work: Callable[[sa.Connection, PostCommitCasts], T]) -> T:
    """Run ``work(conn, casts)`` in ``db.write`` and send the casts it
    collected once the transaction has committed."""
    def attempt(conn: sa.Connection) -> tuple[T, PostCommitCasts]:
        casts = PostCommitCasts()  # fresh for every attempt
        return work(conn, casts), casts

    result, casts = db.write(attempt)
    casts.send()
    return result
