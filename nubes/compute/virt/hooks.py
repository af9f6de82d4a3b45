"""Injectable behaviour for the fake drivers: failures and tweaks.

A hook is ``fn(nodename, value)`` run at an operation (``init_host``:
nodename is the host, value None; ``node_resources``: the resources about
to be returned).  It may raise (the operation fails) or return a
replacement value (None keeps the value)::

    driver.hooks.add("node_resources", lambda node, res: dataclasses.replace(res, vcpus=4))
    driver.hooks.fail("init_host", times=1)

``[fake_driver] fail = OPERATION[@HOST-GLOB],...`` installs failing hooks
from the configuration (for processes a test cannot reach into).
"""
from __future__ import annotations

import fnmatch
import threading
from typing import Any, Callable, Iterable

from nubes.compute.virt.driver import DriverError

OPERATIONS = ("init_host", "node_resources",
              # guest operations (nodename: the instance's node; value: its uuid)
              "spawn", "destroy", "reboot", "power_off", "power_on", "pause", "unpause",
              "suspend", "resume", "rescue", "unrescue", "trigger_crash_dump",
              "set_admin_password", "console_output", "diagnostics", "snapshot",
              "rebuild", "live_migration", "attach_volume", "detach_volume")
Hook = Callable[[str, Any], Any]


class Hooks:
    def __init__(self) -> None:
        self._hooks: dict[str, list[Hook]] = {}
        self._lock = threading.Lock()

    def add(self, operation: str, fn: Hook) -> Hook:
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; one of {OPERATIONS}")
        with self._lock:
            self._hooks.setdefault(operation, []).append(fn)
        return fn

    def remove(self, operation: str, fn: Hook) -> None:
        with self._lock:
            self._hooks.get(operation, []).remove(fn)

    def clear(self) -> None:
        with self._lock:
            self._hooks.clear()

    def fail(self, operation: str, *, times: int | None = None, nodes: str = "*",
             error: Exception | None = None) -> Hook:
        """Make ``operation`` raise (``times`` times, or always) on nodes
        matching the glob ``nodes``."""
        remaining = [times]

        def hook(nodename: str, value: Any) -> Any:
            if not fnmatch.fnmatchcase(nodename, nodes):
                return None
            with self._lock:
                if remaining[0] is not None:
                    if remaining[0] <= 0:
                        return None
                    remaining[0] -= 1
            raise error or DriverError(f"injected failure of {operation} on {nodename}")
        return self.add(operation, hook)

    def run(self, operation: str, nodename: str, value: Any) -> Any:
        with self._lock:
            hooks = list(self._hooks.get(operation, ()))
        for fn in hooks:
            replaced = fn(nodename, value)
            if replaced is not None:
                value = replaced
        return value

    def install_failures(self, specs: Iterable[str], host: str) -> None:
        """Failures from ``[fake_driver] fail`` that apply to ``host``."""
        for spec in specs:
            operation, _, pattern = spec.strip().partition("@")
            if fnmatch.fnmatchcase(host, pattern or "*"):
                self.fail(operation)
