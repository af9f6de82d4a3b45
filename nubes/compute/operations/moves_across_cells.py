"""The hosts' part of a move across cells.  The two hosts are on different
buses, so the super-conductor drives each step with a call and waits:

* ``hand_off_guest`` (source): power the guest off, keep it (a revert
  powers it on again); its volumes are disconnected, each attachment
  swapped for a reservation (:func:`volumes.hand_over`);
* ``take_guest`` (destination): reserve and connect the volumes of the
  target cell's mappings (new attachments), then make the guest on the
  chosen node (powered off again when the server was stopped); a failure
  lets go of what it connected;
* ``drop_guest`` (either): remove the guest and this cell's hold on the
  volumes — attachments and mappings (a confirm on the source, a revert on
  the destination; :func:`volumes.release_here`);
* ``resume_guest`` (source, on revert or a failed move): its reserved
  volumes connected again, the guest runs (or stays off) again.

Each answers the guest's power state.
"""
from __future__ import annotations

from nubes.common.context import RequestContext
from nubes.compute.operations import Host, volumes
from nubes.compute.states import PowerState


def hand_off_guest(host: Host, ctx: RequestContext, *, instance_uuid: str) -> int:
    with host.locks.hold(instance_uuid):
        power = host.driver.power_state(instance_uuid)
        if power != PowerState.SHUTDOWN:
            power = host.driver.power_off(instance_uuid)
        volumes.hand_over(host, ctx, instance_uuid)
        return power


def take_guest(host: Host, ctx: RequestContext, *, instance_uuid: str, node: str,
               stopped: bool) -> int:
    with host.locks.hold(instance_uuid):
        try:
            volumes.reserve_here(host, ctx, instance_uuid)
            volumes.take_over(host, ctx, instance_uuid)
            power = host.driver.spawn(instance_uuid, node)
        except Exception:
            host.driver.destroy(instance_uuid)
            volumes.release_here(host, ctx, instance_uuid)
            raise
        return host.driver.power_off(instance_uuid) if stopped else power


def drop_guest(host: Host, ctx: RequestContext, *, instance_uuid: str) -> int:
    with host.locks.hold(instance_uuid):
        volumes.release_here(host, ctx, instance_uuid)
        host.driver.destroy(instance_uuid)
        return PowerState.NOSTATE


def resume_guest(host: Host, ctx: RequestContext, *, instance_uuid: str, node: str,
                 running: bool) -> int:
    with host.locks.hold(instance_uuid):
        volumes.take_over(host, ctx, instance_uuid)
        if host.driver.power_state(instance_uuid) == PowerState.NOSTATE:
            host.driver.spawn(instance_uuid, node)
        power = host.driver.power_state(instance_uuid)
        if running and power != PowerState.RUNNING:
            return host.driver.power_on(instance_uuid)
        if not running and power == PowerState.RUNNING:
            return host.driver.power_off(instance_uuid)
        return power
