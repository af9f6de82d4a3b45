"""The hosts' part of a move across cells.  The two hosts are on different
buses, so the super-conductor drives each step with a call and waits:

* ``hand_off_guest`` (source): power the guest off, keep it (a revert
  powers it on again);
* ``take_guest`` (destination): make the guest on the chosen node (powered
  off again when the server was stopped);
* ``drop_guest`` (either): remove the guest (a confirm on the source, a
  revert on the destination);
* ``resume_guest`` (source, on revert): the guest runs (or stays off) again.

Each answers the guest's power state.
"""
from __future__ import annotations

from nubes.common.context import RequestContext
from nubes.compute.operations import Host
from nubes.compute.states import PowerState


def hand_off_guest(host: Host, ctx: RequestContext, *, instance_uuid: str) -> int:
    with host.locks.hold(instance_uuid):
        if host.driver.power_state(instance_uuid) == PowerState.SHUTDOWN:
            return PowerState.SHUTDOWN
        return host.driver.power_off(instance_uuid)


def take_guest(host: Host, ctx: RequestContext, *, instance_uuid: str, node: str,
               stopped: bool) -> int:
    with host.locks.hold(instance_uuid):
        power = host.driver.spawn(instance_uuid, node)
        return host.driver.power_off(instance_uuid) if stopped else power


def drop_guest(host: Host, ctx: RequestContext, *, instance_uuid: str) -> int:
    with host.locks.hold(instance_uuid):
        host.driver.destroy(instance_uuid)
        return PowerState.NOSTATE


def resume_guest(host: Host, ctx: RequestContext, *, instance_uuid: str, node: str,
                 running: bool) -> int:
    with host.locks.hold(instance_uuid):
        if host.driver.power_state(instance_uuid) == PowerState.NOSTATE:
            host.driver.spawn(instance_uuid, node)
        power = host.driver.power_state(instance_uuid)
        if running and power != PowerState.RUNNING:
            return host.driver.power_on(instance_uuid)
        if not running and power == PowerState.RUNNING:
            return host.driver.power_off(instance_uuid)
        return power
