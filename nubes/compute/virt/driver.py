"""What the compute agent needs from a virt driver (for now: its nodes and
their resources).

A driver manages the nodes of one compute host: a hypervisor has one node
named after the host; a bare-metal driver has many.  The resource tracker
turns :class:`NodeResources` into a compute node record and a resource
provider:

* ``standard_inventory``: VCPU, MEMORY_MB and DISK_GB from ``vcpus``,
  ``memory_mb`` and ``local_gb`` (a total of 0 is not reported), with the
  host's configured allocation ratios and reserved amounts;
* ``extra_inventory``: more classes, taken as given (placement
  inventories, e.g. one ``CUSTOM_BAREMETAL_*`` unit for a bare-metal node);
* ``traits``: the node's own traits beyond the driver's capabilities;
* ``aggregates``: placement aggregates the node's provider must be in (added
  to those placement already has; the API's host aggregates stay);
* ``uuid``: the node's own uuid when it has one (a bare-metal node), used
  for its compute node record and provider; otherwise the cell conductor
  picks one when the record is created.
"""
from __future__ import annotations

import dataclasses
from typing import Iterator, Mapping, Protocol

from nubes.compute.states import PowerState
from nubes.placement.client import Inventory


@dataclasses.dataclass(frozen=True)
class NodeResources:
    vcpus: int
    memory_mb: int
    local_gb: int
    hypervisor_type: str = "fake"
    hypervisor_version: int = 1000
    cpu_info: str | None = None
    standard_inventory: bool = True
    extra_inventory: Mapping[str, Inventory] = dataclasses.field(default_factory=dict)
    traits: frozenset[str] = frozenset()
    aggregates: frozenset[str] = frozenset()
    uuid: str | None = None


class DriverError(Exception):
    """A driver operation failed."""


class Driver(Protocol):
    host: str

    def init_host(self) -> None:
        """Called once before the agent registers."""

    def node_names(self) -> list[str]:
        """The nodes this host manages now (hypervisor hostnames)."""

    def node_resources(self, nodename: str) -> NodeResources:
        """The node's size and what it reports to placement."""

    def capabilities(self) -> Mapping[str, bool]:
        """COMPUTE_* capability traits this driver knows -> supported.  The
        tracker sets the supported ones and removes the others (it leaves
        traits it does not know about alone)."""

    # --- guests (added with the build, delete and power operations) -------------

    def spawn(self, instance_uuid: str, nodename: str, *,
              disk_image: str | None = None) -> int:
        """Create and start the guest on ``nodename``; its power state.
        ``disk_image``: an image of the guest's own disk (the snapshot of a
        shelved server being unshelved) its root disk is made of, instead
        of the instance's image.  Raises :class:`DriverError` (the build is
        rescheduled)."""

    def destroy(self, instance_uuid: str) -> None:
        """Remove the guest; a guest the host does not have is not an error."""

    def rebuild(self, instance_uuid: str, nodename: str, image_ref: str | None, *,
                admin_password: str | None = None, preserve_ephemeral: bool = False) -> int:
        """Destroy the guest and spawn it again on ``nodename`` from
        ``image_ref`` (its ephemeral disk kept with ``preserve_ephemeral``);
        its power state.  Raises :class:`DriverError`."""

    def reboot(self, instance_uuid: str, hard: bool = False) -> int: ...

    def power_off(self, instance_uuid: str) -> int: ...

    def power_on(self, instance_uuid: str) -> int: ...

    def pause(self, instance_uuid: str) -> int: ...

    def unpause(self, instance_uuid: str) -> int: ...

    def suspend(self, instance_uuid: str) -> int: ...

    def resume(self, instance_uuid: str) -> int: ...

    def rescue(self, instance_uuid: str, image_ref: str | None, password: str | None) -> int:
        """Boot the guest from a rescue image with its disk attached."""

    def unrescue(self, instance_uuid: str) -> int: ...

    def trigger_crash_dump(self, instance_uuid: str) -> None:
        """Send the guest an NMI."""

    def set_admin_password(self, instance_uuid: str, new_pass: str) -> None:
        """Raises :class:`DriverError` when the guest does not take it."""

    def snapshot(self, instance_uuid: str) -> Iterator[bytes]:
        """The guest's root disk as image data, in chunks (read lazily: the
        caller streams it to the image API)."""

    def console_output(self, instance_uuid: str) -> str: ...

    def diagnostics(self, instance_uuid: str) -> dict:
        """The fields of :class:`nubes.compute.messages.Diagnostics`."""

    def live_migration_time(self, instance_uuid: str) -> float:
        """Seconds copying the guest's memory to another host takes (the
        fake drivers' live migration; raises :class:`DriverError` when the
        guest cannot move)."""

    def power_state(self, instance_uuid: str) -> int: ...

    # --- cold migration and resize (nubes.compute.operations.resize) ---------------
    # ``flavor``: the flavor columns of an instance row (vcpus, memory_mb,
    # root_gb, ephemeral_gb, flavor) the guest is to have.

    def migrate_disk_and_power_off(self, instance_uuid: str, dest_host: str) -> dict:
        """Source: power the guest off (its disk stays until the move is
        confirmed); what the destination needs to build it (JSON-able)."""

    def finish_migration(self, instance_uuid: str, nodename: str, disk_info: dict,
                         flavor: Mapping, power_on: bool) -> int:
        """Destination: the guest from the source's ``disk_info`` with
        ``flavor`` (its root disk grown to it), running if ``power_on``; its
        power state.  Raises :class:`DriverError`."""

    def finish_revert_migration(self, instance_uuid: str, nodename: str, flavor: Mapping,
                                power_on: bool) -> int:
        """Source: the guest as before the move (its own disk, ``flavor``),
        running if ``power_on``; its power state."""

    def confirm_migration(self, instance_uuid: str, same_host: bool) -> None:
        """Source: remove what the guest left here (``same_host``: the guest
        itself moved on this host; only what the move kept for a revert)."""


def set_running(driver: Driver, instance_uuid: str, power_on: bool) -> int:
    """Power the guest on (``power_on``) or off unless it already is; its
    power state (drivers' ``finish_revert_migration`` end with it)."""
    power = driver.power_state(instance_uuid)
    if power_on and power != PowerState.RUNNING:
        return driver.power_on(instance_uuid)
    if not power_on and power == PowerState.RUNNING:
        return driver.power_off(instance_uuid)
    return power
