"""Guests of the fake drivers: an in-memory table of instances and their
power state, with the operations the compute agent runs on them.

Each operation first runs its hook (``spawn``, ``destroy``, ``reboot``,
``power_off``, ``power_on``: ``fn(nodename, instance_uuid)``), so a test
(or ``[fake_driver] fail = spawn@HOST-GLOB``) makes it fail::

    driver.hooks.fail("spawn", times=1)
"""
from __future__ import annotations

import threading

from nubes.compute.states import PowerState
from nubes.compute.virt.driver import DriverError
from nubes.compute.virt.hooks import Hooks


class FakeGuests:
    hooks: Hooks

    def _guests(self) -> dict[str, tuple[str, int]]:
        table = self.__dict__.get("_guest_table")
        if table is None:
            table = self.__dict__.setdefault("_guest_table", {})
            self.__dict__.setdefault("_guest_lock", threading.Lock())
        return table

    def spawn(self, instance_uuid: str, nodename: str) -> int:
        """Create and start the guest; its power state."""
        guests = self._guests()
        self.hooks.run("spawn", nodename, instance_uuid)
        with self.__dict__["_guest_lock"]:
            guests[instance_uuid] = (nodename, PowerState.RUNNING)
        return PowerState.RUNNING

    def destroy(self, instance_uuid: str) -> None:
        """Remove the guest (a guest this host does not have is not an error)."""
        guests = self._guests()
        node = guests.get(instance_uuid, (self.host, 0))[0]
        self.hooks.run("destroy", node, instance_uuid)
        with self.__dict__["_guest_lock"]:
            guests.pop(instance_uuid, None)

    def _set_power(self, operation: str, instance_uuid: str, state: int) -> int:
        guests = self._guests()
        if instance_uuid not in guests:
            raise DriverError(f"{self.host} has no guest {instance_uuid}")
        node = guests[instance_uuid][0]
        self.hooks.run(operation, node, instance_uuid)
        with self.__dict__["_guest_lock"]:
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
