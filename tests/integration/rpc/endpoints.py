"""Endpoints and errors shared by the bus tests and the out-of-process server."""
from __future__ import annotations

import logging
import os
import threading
import time

from nubes.common.log import request_id_var
from nubes.common.rpc import errors

LOG = logging.getLogger(__name__)


@errors.allow
class WidgetNotFound(Exception):
    """A domain error registered as allowed: it crosses the bus as itself."""

    def __init__(self, widget_id: str, detail: str = ""):
        super().__init__(widget_id, detail)
        self.widget_id = widget_id
        self.detail = detail


class NotRegistered(Exception):
    """Not registered: it comes back as a RemoteError."""


class Recorder:
    """Collects what the endpoint saw, for the test to wait on."""

    def __init__(self) -> None:
        self.items: list = []
        self._cond = threading.Condition()

    def add(self, item) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.items) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return list(self.items)


class Widgets:
    """A typical endpoint; ``host`` tells which server ran a message."""

    RPC_API_VERSION = "1.2"

    def __init__(self, host: str = "host-1", recorder: Recorder | None = None):
        self.host = host
        self.recorder = recorder or Recorder()
        self.helper = lambda ctx: "never callable"  # an attribute, not a method

    def echo(self, ctx, value):
        return {"value": value, "host": self.host}

    def whoami(self, ctx):
        LOG.info("whoami on %s", self.host)
        return {"host": self.host, "pid": os.getpid(), "user_id": ctx.user_id,
                "project_id": ctx.project_id, "roles": list(ctx.roles),
                "request_id": ctx.request_id,
                "global_request_id": ctx.global_request_id,
                "log_request_id": request_id_var.get(),
                "has_conf": ctx.conf is not None}

    def note(self, ctx, value):
        self.recorder.add({"value": value, "host": self.host,
                           "request_id": ctx.request_id,
                           "log_request_id": request_id_var.get()})

    def sleep(self, ctx, seconds):
        time.sleep(seconds)
        self.recorder.add({"slept": seconds, "host": self.host})
        return seconds

    def find(self, ctx, widget_id):
        raise WidgetNotFound(widget_id, "no such widget")

    def fail(self, ctx, message):
        raise NotRegistered(message)

    def fail_value(self, ctx):
        raise ValueError("bad value")

    def unencodable(self, ctx):
        return {1, 2, 3}

    def _secret(self, ctx):
        return "private"
