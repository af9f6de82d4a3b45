"""What both fake drivers are: a host of a configured size whose guests are
an in-memory table of instances and their power state, with the operations
the compute agent runs on them.

Sizes come from ``[fake_driver] vcpus/memory_mb/local_gb``, overridden per
host by ``host_size`` lines (``HOST-GLOB vcpus=N memory_mb=M local_gb=G``,
the last match wins).

Each operation first runs its hook (``spawn``, ``destroy``, ``reboot``,
``power_off``, ``power_on``: ``fn(nodename, instance_uuid)``), so a test
(or ``[fake_driver] fail = spawn@HOST-GLOB``) makes it fail::

    driver.hooks.fail("spawn", times=1)
"""
from __future__ import annotations

import fnmatch
import threading
from typing import Any

from nubes.compute.states import PowerState
from nubes.compute.virt.driver import DriverError
from nubes.compute.virt.hooks import Hooks


SIZE_FIELDS = ("vcpus", "memory_mb", "local_gb")


def parse_host_size(line: str) -> tuple[str, dict[str, int]]:
    """``'cell1-* vcpus=4 memory_mb=2048'`` -> ``('cell1-*', {...})``."""
    parts = line.split()
    if not parts:
        raise ValueError("empty [fake_driver] host_size line")
    sizes = {}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        if not sep or key not in SIZE_FIELDS:
            raise ValueError(f"bad [fake_driver] host_size item {part!r} in {line!r}: "
                             f"use {'/'.join(SIZE_FIELDS)}=N")
        sizes[key] = int(value)
    return parts[0], sizes


def host_size(conf: Any, host: str) -> dict[str, int]:
    opts = conf.fake_driver
    sizes = {name: getattr(opts, name) for name in SIZE_FIELDS}
    for line in opts.host_size:
        pattern, override = parse_host_size(line)
        if fnmatch.fnmatchcase(host, pattern):
            sizes.update(override)
    return sizes


class FakeHost:
    def __init__(self, conf: Any, host: str):
        self.host = host
        self._sizes = host_size(conf, host)
        self._lock = threading.Lock()          # the host's own state (sizes, nodes)
        self.hooks = Hooks()
        self.hooks.install_failures(conf.fake_driver.fail, host)
        self._guest_table: dict[str, tuple[str, int]] = {}
        self._guest_lock = threading.Lock()

    def init_host(self) -> None:
        self.hooks.run("init_host", self.host, None)

    def _guests(self) -> dict[str, tuple[str, int]]:
        return self._guest_table

    def spawn(self, instance_uuid: str, nodename: str) -> int:
        """Create and start the guest; its power state."""
        guests = self._guests()
        self.hooks.run("spawn", nodename, instance_uuid)
        with self._guest_lock:
            guests[instance_uuid] = (nodename, PowerState.RUNNING)
        return PowerState.RUNNING

    def destroy(self, instance_uuid: str) -> None:
        """Remove the guest (a guest this host does not have is not an error)."""
        guests = self._guests()
        node = guests.get(instance_uuid, (self.host, 0))[0]
        self.hooks.run("destroy", node, instance_uuid)
        with self._guest_lock:
            guests.pop(instance_uuid, None)

    def _set_power(self, operation: str, instance_uuid: str, state: int) -> int:
        guests = self._guests()
        if instance_uuid not in guests:
            raise DriverError(f"{self.host} has no guest {instance_uuid}")
        node = guests[instance_uuid][0]
        self.hooks.run(operation, node, instance_uuid)
        with self._guest_lock:
            guests[instance_uuid] = (node, state)
        return state

    def reboot(self, instance_uuid: str, hard: bool = False) -> int:
        return self._set_power("reboot", instance_uuid, PowerState.RUNNING)

    def power_off(self, instance_uuid: str) -> int:
        return self._set_power("power_off", instance_uuid, PowerState.SHUTDOWN)

    def power_on(self, instance_uuid: str) -> int:
        return self._set_power("power_on", instance_uuid, PowerState.RUNNING)

    def power_state(self, instance_uuid: str) -> int:
        return self._guests().get(instance_uuid, (None, PowerState.NOSTATE))[1]

    def guests(self) -> list[str]:
        return sorted(self._guests())
