"""What both fake drivers are: a host of a configured size whose guests are
an in-memory table of guests (power state, a console log appended at each
state change, the admin password), with the operations the compute agent
runs on them.

Sizes come from ``[fake_driver] vcpus/memory_mb/local_gb``, overridden per
host by ``host_size`` lines (``HOST-GLOB vcpus=N memory_mb=M local_gb=G``,
the last match wins).

Each operation first runs its hook (``spawn``, ``destroy``, ``reboot``,
``power_off``, ``power_on``, ``pause``, ...: ``fn(nodename, instance_uuid)``;
:data:`nubes.compute.virt.hooks.OPERATIONS` lists them), so a test
(or ``[fake_driver] fail = spawn@HOST-GLOB``) makes it fail::

    driver.hooks.fail("spawn", times=1)
"""
from __future__ import annotations

import collections
import dataclasses
import fnmatch
import threading
import time
from typing import Any, Iterator

from nubes.compute.states import PowerState
from nubes.compute.virt.driver import DriverError, set_running
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
        self._live_migration_seconds = conf.fake_driver.live_migration_seconds
        self._guest_table: dict[str, FakeGuest] = {}
        self._guest_lock = threading.Lock()
        # instance uuid -> {mountpoint: connection info}: the volumes each
        # guest has attached (kept across a rebuild; a destroy drops them).
        self._volume_table: dict[str, dict[str, dict]] = {}

    def init_host(self) -> None:
        self.hooks.run("init_host", self.host, None)

    def spawn(self, instance_uuid: str, nodename: str, *,
              disk_image: str | None = None) -> int:
        """Create and start the guest; its power state (the console says
        which ``disk_image`` it was made of, if any)."""
        self.hooks.run("spawn", nodename, instance_uuid)
        guest = FakeGuest(nodename, PowerState.RUNNING, started=time.monotonic())
        made_of = f" from its disk image {disk_image}" if disk_image else ""
        guest.log(f"{instance_uuid} booted on {nodename}{made_of}")
        with self._guest_lock:
            self._guest_table[instance_uuid] = guest
        return PowerState.RUNNING

    def destroy(self, instance_uuid: str) -> None:
        """Remove the guest (a guest this host does not have is not an error)."""
        guest = self._guest_table.get(instance_uuid)
        self.hooks.run("destroy", guest.node if guest else self.host, instance_uuid)
        with self._guest_lock:
            self._guest_table.pop(instance_uuid, None)
            self._volume_table.pop(instance_uuid, None)

    def rebuild(self, instance_uuid: str, nodename: str, image_ref: str | None, *,
                admin_password: str | None = None, preserve_ephemeral: bool = False) -> int:
        """Destroy and re-spawn the guest from ``image_ref`` on ``nodename``
        (its console keeps what the old guest wrote); its power state."""
        self.hooks.run("rebuild", nodename, instance_uuid)
        old = self._guest_table.get(instance_uuid)
        guest = FakeGuest(nodename, PowerState.RUNNING, started=time.monotonic(),
                          password=admin_password or "")
        if old is not None:
            guest.console.extend(old.console)
        kept = ", ephemeral disk preserved" if preserve_ephemeral else ""
        guest.log(f"{instance_uuid} rebuilt from image {image_ref} on {nodename}{kept}")
        with self._guest_lock:
            self._guest_table[instance_uuid] = guest
        return PowerState.RUNNING

    def _guest(self, operation: str, instance_uuid: str) -> FakeGuest:
        """The guest, after ``operation``'s hook ran (it may fail)."""
        guest = self._guest_table.get(instance_uuid)
        if guest is None:
            raise DriverError(f"{self.host} has no guest {instance_uuid}")
        self.hooks.run(operation, guest.node, instance_uuid)
        return guest

    def _set_power(self, operation: str, instance_uuid: str, state: int,
                   **changes: Any) -> int:
        guest = self._guest(operation, instance_uuid)
        with self._guest_lock:
            if state == PowerState.RUNNING and guest.power_state != PowerState.RUNNING:
                guest.started = time.monotonic()
            guest.power_state = state
            for name, value in changes.items():
                setattr(guest, name, value)
            guest.log(f"{operation}: power state {state}")
        return state

    def reboot(self, instance_uuid: str, hard: bool = False) -> int:
        return self._set_power("reboot", instance_uuid, PowerState.RUNNING)

    def power_off(self, instance_uuid: str) -> int:
        return self._set_power("power_off", instance_uuid, PowerState.SHUTDOWN)

    def power_on(self, instance_uuid: str) -> int:
        return self._set_power("power_on", instance_uuid, PowerState.RUNNING)

    def pause(self, instance_uuid: str) -> int:
        return self._set_power("pause", instance_uuid, PowerState.PAUSED)

    def unpause(self, instance_uuid: str) -> int:
        return self._set_power("unpause", instance_uuid, PowerState.RUNNING)

    def suspend(self, instance_uuid: str) -> int:
        return self._set_power("suspend", instance_uuid, PowerState.SUSPENDED)

    def resume(self, instance_uuid: str) -> int:
        return self._set_power("resume", instance_uuid, PowerState.RUNNING)

    def rescue(self, instance_uuid: str, image_ref: str | None, password: str | None) -> int:
        return self._set_power("rescue", instance_uuid, PowerState.RUNNING, rescued=True,
                               password=password or "")

    def unrescue(self, instance_uuid: str) -> int:
        return self._set_power("unrescue", instance_uuid, PowerState.RUNNING, rescued=False)

    def trigger_crash_dump(self, instance_uuid: str) -> None:
        guest = self._guest("trigger_crash_dump", instance_uuid)
        with self._guest_lock:
            guest.log("NMI received: kernel crash dump triggered")

    def set_admin_password(self, instance_uuid: str, new_pass: str) -> None:
        guest = self._guest("set_admin_password", instance_uuid)
        if guest.power_state != PowerState.RUNNING:
            raise GuestNotRunning(f"{instance_uuid} is not running")
        with self._guest_lock:
            guest.password = new_pass
            guest.log("admin password changed")

    def snapshot(self, instance_uuid: str) -> Iterator[bytes]:
        """The guest's disk as image data: a small deterministic blob (a
        header naming the guest, then its console log) in chunks."""
        guest = self._guest("snapshot", instance_uuid)
        with self._guest_lock:
            guest.log("snapshot taken")
            text = "\n".join(guest.console)
        data = f"NUBES-FAKE-DISK {instance_uuid}\n{text}\n".encode()
        return iter([data[i:i + 65536] for i in range(0, len(data), 65536)])

    def console_output(self, instance_uuid: str) -> str:
        guest = self._guest("console_output", instance_uuid)
        with self._guest_lock:
            return "\n".join(guest.console) + "\n"

    def diagnostics(self, instance_uuid: str) -> dict[str, Any]:
        """The guest's diagnostics (the fields of
        :class:`nubes.compute.messages.Diagnostics`)."""
        guest = self._guest("diagnostics", instance_uuid)
        running = guest.power_state == PowerState.RUNNING
        uptime = int(time.monotonic() - guest.started) if running else 0
        return {
            "state": _STATE_NAMES.get(guest.power_state, "pending"), "driver": "fake",
            "hypervisor": "fake", "hypervisor_os": "fake-os", "uptime": uptime,
            "config_drive": False, "num_cpus": 1, "num_nics": 0, "num_disks": 1,
            "cpu_details": [{"id": 0, "time": uptime * 10**9, "utilisation": None}],
            "nic_details": [],
            "disk_details": [{"read_bytes": 0, "read_requests": 0, "write_bytes": 0,
                              "write_requests": 0, "errors_count": 0}],
            "memory_details": {"maximum": 512, "used": 0},
            "legacy": {"cpu0_time": uptime * 10**9, "memory": 512, "vda_read": 0,
                       "vda_read_req": 0, "vda_write": 0, "vda_write_req": 0,
                       "vda_errors": 0},
        }

    def live_migration_time(self, instance_uuid: str) -> float:
        """Seconds the guest's memory takes to copy to another host."""
        self._guest("live_migration", instance_uuid)
        return self._live_migration_seconds

    # --- volumes (the new attach flow: the host's connector, then the
    # connection info the volume service answered with) -------------------------

    def get_volume_connector(self) -> dict[str, Any]:
        """What the volume service is told about this host when it connects
        a volume here (``attachment_update``)."""
        return {"host": self.host, "ip": "127.0.0.1", "platform": "x86_64",
                "os_type": "linux", "multipath": False,
                "initiator": f"iqn.2024-01.org.nubes:{self.host}"}

    def attach_volume(self, instance_uuid: str, connection_info: dict[str, Any],
                      mountpoint: str) -> None:
        """Record the volume as the guest's disk at ``mountpoint`` (a
        guest not built yet gets it when it boots: boot from volume)."""
        guest = self._guest_table.get(instance_uuid)
        self.hooks.run("attach_volume", guest.node if guest else self.host, instance_uuid)
        with self._guest_lock:
            devices = self._volume_table.setdefault(instance_uuid, {})
            if mountpoint in devices:
                raise DriverError(f"{instance_uuid} already has a disk at {mountpoint}")
            devices[mountpoint] = dict(connection_info)
            if guest is not None:
                guest.log(f"volume {connection_info.get('serial')} attached at {mountpoint}")

    def detach_volume(self, instance_uuid: str, mountpoint: str) -> None:
        """Remove the disk at ``mountpoint`` (none there is not an error)."""
        guest = self._guest_table.get(instance_uuid)
        self.hooks.run("detach_volume", guest.node if guest else self.host, instance_uuid)
        with self._guest_lock:
            info = self._volume_table.get(instance_uuid, {}).pop(mountpoint, None)
            if not self._volume_table.get(instance_uuid, True):
                del self._volume_table[instance_uuid]
            if guest is not None and info is not None:
                guest.log(f"volume {info.get('serial')} detached from {mountpoint}")

    def attached_volumes(self, instance_uuid: str) -> dict[str, dict[str, Any]]:
        """mountpoint -> connection info of the guest's volumes."""
        with self._guest_lock:
            return {m: dict(i) for m, i in self._volume_table.get(instance_uuid, {}).items()}

    # --- cold migration and resize: the guest is made again on the destination ---

    def migrate_disk_and_power_off(self, instance_uuid: str, dest_host: str) -> dict:
        if self.power_state(instance_uuid) != PowerState.SHUTDOWN:
            self.power_off(instance_uuid)
        return {}

    def finish_migration(self, instance_uuid: str, nodename: str, disk_info: dict,
                         flavor: Any, power_on: bool) -> int:
        power = self.spawn(instance_uuid, nodename)
        return power if power_on else self.power_off(instance_uuid)

    def finish_revert_migration(self, instance_uuid: str, nodename: str, flavor: Any,
                                power_on: bool) -> int:
        if self.power_state(instance_uuid) == PowerState.NOSTATE:     # resized here
            self.spawn(instance_uuid, nodename)
        return set_running(self, instance_uuid, power_on)

    def confirm_migration(self, instance_uuid: str, same_host: bool) -> None:
        if not same_host:
            self.destroy(instance_uuid)

    def power_state(self, instance_uuid: str) -> int:
        guest = self._guest_table.get(instance_uuid)
        return PowerState.NOSTATE if guest is None else guest.power_state

    def guests(self) -> list[str]:
        return sorted(self._guest_table)


class GuestNotRunning(DriverError):
    """The guest must be running for this."""


_STATE_NAMES = {PowerState.RUNNING: "running", PowerState.PAUSED: "paused",
                PowerState.SHUTDOWN: "shutdown", PowerState.CRASHED: "crashed",
                PowerState.SUSPENDED: "suspended"}
CONSOLE_LINES = 1000   # a guest's console keeps its newest lines


@dataclasses.dataclass
class FakeGuest:
    node: str
    power_state: int
    started: float
    rescued: bool = False
    password: str = ""
    console: collections.deque = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=CONSOLE_LINES))

    def log(self, line: str) -> None:
        self.console.append(f"[{time.strftime('%Y-%m-%dT%H:%M:%S')}] {line}")
