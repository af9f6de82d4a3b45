"""The RPC server: one topic, one host, some endpoints, a bounded pool.

::

    server = RPCServer(transport, "compute", server="host-1",
                       endpoints=[ComputeEndpoint(...)], conf=conf)
    server.start()
    ...
    server.stop()      # stop taking messages, finish the ones taken

Each message runs on a pool worker with a :class:`RequestContext` rebuilt
from the envelope (same request id and global request id as the caller's,
the server's ``conf``) and with :data:`nubes.common.log.request_id_var` set,
so every log line it writes carries the caller's request id.  A call's
result, or its exception, goes back on the caller's reply queue; an
exception from a cast is logged (nobody else will see it).
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

from nubes.common.log import request_id_var
from nubes.common.rpc import envelope, errors
from nubes.common.rpc.dispatch import Dispatcher
from nubes.common.rpc.target import Target
from nubes.common.rpc.transport import Subscription, Transport

LOG = logging.getLogger(__name__)
DEFAULT_WORKERS = 16


class RPCServer:
    def __init__(self, transport: Transport, topic: str, server: str,
                 endpoints: Sequence[object], *, max_workers: int | None = None,
                 conf: Any = None):
        Target(topic, server)  # validates both names
        self.transport = transport
        self.topic = topic
        self.server = server
        self.dispatcher = Dispatcher(endpoints)
        if max_workers is None:
            max_workers = getattr(conf, "executor_thread_pool_size", DEFAULT_WORKERS)
        self.max_workers = max_workers
        self.conf = conf
        self._executor: ThreadPoolExecutor | None = None
        self._subscription: Subscription | None = None
        self._lock = threading.Lock()

    # --- life cycle ---------------------------------------------------------

    def start(self) -> "RPCServer":
        with self._lock:
            if self._subscription is not None:
                return self
            self._executor = ThreadPoolExecutor(
                self.max_workers, thread_name_prefix=f"rpc-{self.topic}")
            self._subscription = self.transport.subscribe(
                self.topic, self.server, self._on_message, capacity=self.max_workers)
        LOG.info("RPC server for %s.%s listening on %r", self.topic, self.server,
                 self.transport)
        return self

    def stop(self) -> None:
        """Take no more messages; return when the ones taken are done."""
        with self._lock:
            subscription, self._subscription = self._subscription, None
        if subscription is not None:
            subscription.stop()  # no delivery after this returns
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    @property
    def running(self) -> bool:
        return self._subscription is not None

    def __enter__(self) -> "RPCServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- messages -----------------------------------------------------------

    def _on_message(self, body: bytes, done: Callable[[], None]) -> None:
        executor = self._executor
        if executor is None:  # stopping: a late delivery still runs
            threading.Thread(target=self._run, args=(body, done), daemon=True).start()
            return
        executor.submit(self._run, body, done)

    def _run(self, body: bytes, done: Callable[[], None]) -> None:
        try:
            self.handle(body)
        except Exception:  # never lose a worker to a bug in here
            LOG.exception("unexpected error handling an RPC message")
        finally:
            done()

    def handle(self, body: bytes) -> None:
        try:
            request = envelope.decode_request(body)
        except errors.MessagingError as exc:
            LOG.error("dropping an undecodable message on %s.%s: %s",
                      self.topic, self.server, exc)
            return
        ctx = envelope.context_from_wire(request.context, self.conf)
        token = request_id_var.set(ctx.request_id)
        try:
            reply = self._dispatch(ctx, request)
            if request.reply_to is not None:
                try:
                    self.transport.send_reply(request.reply_to, reply)
                except errors.MessagingError as exc:
                    LOG.error("could not reply to %s: %s", request.method, exc)
        finally:
            request_id_var.reset(token)

    def _dispatch(self, ctx, request: envelope.Request) -> bytes:
        is_call = request.reply_to is not None
        try:
            result = self.dispatcher.dispatch(ctx, request)
        except Exception as exc:
            if errors.is_allowed(type(exc)):
                LOG.log(logging.DEBUG if is_call else logging.WARNING,
                        "%s %s raised %s: %s", "call" if is_call else "cast",
                        request.method, type(exc).__name__, exc)
            else:
                LOG.exception("%s %s failed", "call" if is_call else "cast",
                              request.method)
            return envelope.encode_error(request.id, exc) if is_call else b""
        return envelope.encode_result(request.id, result) if is_call else b""
