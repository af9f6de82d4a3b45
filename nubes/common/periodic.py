"""Run a function every N seconds on a daemon thread, until stopped.

::

    beat = Periodic("heartbeat host-1", 10.0, report)
    beat.start()
    beat.trigger()     # run once more as soon as possible
    beat.stop()        # returns once the current run (if any) is over

An exception from the function is logged and the schedule goes on: a
periodic job that dies silently is worse than one that keeps complaining.
The interval is measured from the end of one run to the start of the next,
so a slow run never stacks up behind itself.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

LOG = logging.getLogger(__name__)


class Periodic:
    def __init__(self, name: str, interval: float, fn: Callable[[], object], *,
                 initial_delay: float | None = None):
        self.name = name
        self.interval = float(interval)
        self.fn = fn
        self.initial_delay = self.interval if initial_delay is None else float(initial_delay)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Periodic":
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()
        return self

    def trigger(self) -> None:
        """Run as soon as the current wait or run is over."""
        self._wake.set()

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _loop(self) -> None:
        delay = self.initial_delay
        while True:
            self._wake.wait(delay)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.fn()
            except Exception:  # keep the schedule; say what broke
                LOG.exception("periodic task %s failed", self.name)
            delay = self.interval
