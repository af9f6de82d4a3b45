"""What the RPC service entry points (nubes-conductor, nubes-scheduler,
nubes-compute, and ``nubes up``) share: required options, stopping on
SIGTERM/SIGINT, every thread's stack on SIGUSR1, and the run-until-stopped
loop."""
from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
from typing import Any, Callable

REQUIRED = {
    "transport_url": ("DEFAULT", "transport_url"),
    "api_database": ("api_database", "connection"),
    "database": ("database", "connection"),
    "placement_client": ("placement_client", "endpoint"),
}


def missing(prog: str, conf: Any, *needs: str) -> bool:
    """True (after saying which) if an option in ``needs`` (keys of
    :data:`REQUIRED`) is not set."""
    for need in needs:
        group, option = REQUIRED[need]
        value = getattr(conf, option) if group == "DEFAULT" else \
            getattr(getattr(conf, group), option)
        if not value:
            print(f"{prog}: [{group}] {option} is not set", file=sys.stderr)
            return True
    return False


def dump_stacks_on_sigusr1() -> None:
    """``kill -USR1 <pid>`` writes every thread's stack to stderr: what a
    process that does not stop (or answer) is doing."""
    faulthandler.register(signal.SIGUSR1, all_threads=True)


class StopSignal(threading.Event):
    """Set by SIGTERM or SIGINT.  :meth:`finished` says the service has
    stopped (its work under way done): a forced exit pending after the
    signal is called off."""

    def __init__(self) -> None:
        super().__init__()
        self._finished = threading.Event()

    def finished(self) -> None:
        self._finished.set()

    def _exit_after(self, prog: str, grace: float) -> None:
        if self._finished.wait(grace):
            return
        print(f"{prog}: the work under way did not finish within {grace:g} s of the stop "
              "signal ([DEFAULT] graceful_shutdown_timeout); exiting now", file=sys.stderr,
              flush=True)
        os._exit(1)


def stop_on_signals(also: Callable[[], None] | None = None, *, prog: str = "nubes",
                    grace: float = 0) -> StopSignal:
    """An event set by SIGTERM or SIGINT (which also call ``also``).  With
    ``grace`` (``[DEFAULT] graceful_shutdown_timeout``), the process exits
    that many seconds after the first signal unless the caller has said
    :meth:`StopSignal.finished` by then (work under way that does not end,
    e.g. a call whose request a restarted broker lost)."""
    dump_stacks_on_sigusr1()
    stop = StopSignal()

    def on_signal(*_: object) -> None:
        if not stop.is_set() and grace > 0:
            threading.Thread(target=stop._exit_after, args=(prog, grace), daemon=True,
                             name="graceful-shutdown-timeout").start()
        stop.set()
        if also is not None:
            also()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    return stop


def wait(stop: threading.Event) -> None:
    """Until ``stop`` is set (waking each second so signals are handled)."""
    while not stop.wait(1.0):
        pass


def run_service(prog: str, start: Callable[[], Any], describe: Callable[[Any], str], *,
                grace: float = 0) -> None:
    """Start a service, say so, serve until SIGTERM/SIGINT, then stop it
    (the caller closes what it opened for it); ``grace`` as for
    :func:`stop_on_signals`."""
    stop = stop_on_signals(prog=prog, grace=grace)
    service = start()
    try:
        print(f"{prog}: {describe(service)}", file=sys.stderr, flush=True)
        wait(stop)
    finally:
        service.stop()
        stop.finished()
