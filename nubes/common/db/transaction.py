"""Reader and writer transaction scopes with retry.

Services own transactions: a service function hands the unit of work (a
function of one ``Connection``) to :meth:`Database.write` or
:meth:`Database.read`.  A writer is retried, from the start and in a new
transaction, when the database reports a deadlock or a serialisation
failure, and when the work itself raises :class:`RetryRequest` (used by
generation-guarded updates that lost a race the caller never saw).
"""
from __future__ import annotations

import logging
import random
import time
from typing import Any, Callable, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from nubes.common.db import engines

LOG = logging.getLogger(__name__)
T = TypeVar("T")

# MariaDB/MySQL: 1213 deadlock, 1205 lock wait timeout, 1020 record changed
# (snapshot isolation).  PostgreSQL: 40001 serialisation, 40P01 deadlock.
_MYSQL_RETRY_CODES = {1213, 1205, 1020}
_PG_RETRY_STATES = {"40001", "40P01"}


class RetryRequest(Exception):
    """Raised inside a writer to have the whole transaction run again.

    ``final`` is the exception to raise instead once retries run out.
    """

    def __init__(self, final: Exception):
        super().__init__(str(final))
        self.final = final


def is_retryable(exc: BaseException) -> bool:
    if not isinstance(exc, sa_exc.DBAPIError) or exc.orig is None:
        return False
    if exc.connection_invalidated:
        # The server went away (restart, failover, idle timeout): the pool
        # has been emptied and a new connection will be made.
        return True
    orig = exc.orig
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _MYSQL_RETRY_CODES:
        return True
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _PG_RETRY_STATES:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database table is locked" in message


class Database:
    """One database: an engine plus transaction scopes."""

    def __init__(self, url: str, *, max_retries: int = 10, pool_size: int = 10,
                 max_overflow: int = 20):
        self.url = url
        self.engine = engines.create_engine(url, pool_size=pool_size,
                                            max_overflow=max_overflow)
        self.max_retries = max_retries
        self.backend = self.engine.dialect.name  # sqlite, mysql, postgresql
        self._writer_gate = engines.writer_gate(self.engine)

    @classmethod
    def from_options(cls, opts: Any, url: str | None = None) -> "Database":
        """From a database option group (``connection``, ``max_retries``,
        ``max_pool_size``, ``max_overflow``); ``url`` instead of its
        ``connection`` (e.g. a cell's, from its mapping)."""
        return cls(url or opts.connection, max_retries=opts.max_retries,
                   pool_size=opts.max_pool_size, max_overflow=opts.max_overflow)

    @classmethod
    def from_group(cls, conf: Any, group: str) -> "Database":
        """From the option group named ``group`` (e.g. ``api_database``),
        which must set ``connection``."""
        opts = getattr(conf, group)
        if not opts.connection:
            raise RuntimeError(f"[{group}] connection is not set in the configuration")
        return cls.from_options(opts)

    def read(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work`` in a read transaction, again on a fresh connection
        if the one it got had died."""
        return self._run(work, writer=False)

    def write(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work`` in one write transaction, retrying it whole on
        deadlocks, serialisation failures, dead connections and
        :class:`RetryRequest`."""
        return self._run(work, writer=True)

    def _run(self, work: Callable[[sa.Connection], T], *, writer: bool) -> T:
        attempt = 0
        while True:
            try:
                if writer:
                    with self._writer_gate, self.engine.connect() as conn:
                        conn = conn.execution_options(**{engines.WRITER_OPTION: True})
                        with conn.begin():
                            return work(conn)
                with self.engine.connect() as conn, conn.begin():
                    return work(conn)
            except RetryRequest as exc:
                if attempt >= self.max_retries:
                    raise exc.final from None
                LOG.debug("transaction asked for a retry (%s), attempt %d", exc, attempt + 1)
            except sa_exc.DBAPIError as exc:
                if not is_retryable(exc) or attempt >= self.max_retries:
                    raise
                LOG.info("retrying transaction after %s (attempt %d)",
                         type(exc.orig).__name__, attempt + 1)
            attempt += 1
            # Jittered back-off so racing writers do not collide again.
            time.sleep(random.uniform(0, 0.002 * (2 ** min(attempt, 6))))

    def dispose(self) -> None:
        self.engine.dispose()
