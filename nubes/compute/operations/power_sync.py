"""The periodic power-state sync (nova's ``sync_power_state_interval``):
each instance the cell database places on this host has its power state
compared with what the driver reports, and the database follows the guest.

Instances with a task under way are left alone (the task's own operation
sets their power state when it ends), and so is each one whose task or
vm_state changes while it is looked at: the update is conditional on the
task state still being None and the vm_state still the one read.  Per
instance, the sync holds the instance's lock, so an operation that the API
casts meanwhile runs before or after it, never during it.

What the sync does, by the vm_state in the database:

* the driver's power state differs from the recorded one: it is recorded;
* ``active`` or ``paused`` and the guest is off (SHUTDOWN) or CRASHED — a
  guest that powered off on its own, or was destroyed behind the cloud's
  back: the instance becomes ``stopped`` (status SHUTOFF), power state
  SHUTDOWN;
* ``stopped`` and the guest runs (or is paused): it is powered off, as a
  stop would (the database says what the user asked for);
* ``building``, ``rescued``, ``resized``, ``suspended``, ``error``,
  ``shelved*``, ``soft-deleted`` and a guest the host does not have
  (NOSTATE): the power state alone is recorded.
"""
from __future__ import annotations

import dataclasses
import logging

from nubes.common.context import RequestContext
from nubes.compute.operations import Host
from nubes.compute.states import PowerState, VmState
from nubes.conductor.cell.messages import InstanceNotFound, InstanceRecord, UnexpectedTaskState

LOG = logging.getLogger(__name__)
PAGE = 200
_OFF = (PowerState.SHUTDOWN, PowerState.CRASHED)
_ON = (PowerState.RUNNING, PowerState.PAUSED)


@dataclasses.dataclass
class Synced:
    checked: int = 0      # instances with no task under way
    updated: int = 0      # power states recorded
    stopped: int = 0      # instances found off and recorded stopped
    powered_off: int = 0  # guests of stopped instances powered off


def sync_power_states(host: Host, ctx: RequestContext) -> Synced:
    done = Synced()
    after = 0
    while True:
        page = host.conductor.instances_on_host(ctx, host.name, after_id=after, limit=PAGE)
        for _id, instance in page:
            if instance.task_state is not None:
                continue
            done.checked += 1
            if _in_step(host, instance):
                continue
            try:
                with host.locks.hold(instance.uuid):
                    _sync_one(host, ctx, instance.uuid, done)
            except Exception:  # noqa: BLE001 - one instance does not stop the others
                LOG.exception("host %s: syncing the power state of %s failed", host.name,
                              instance.uuid)
        if len(page) < PAGE:
            break
        after = page[-1][0]
    if done.updated or done.stopped or done.powered_off:
        LOG.info("host %s: power sync of %d instance(s): %d power state(s) recorded, "
                 "%d found stopped, %d powered off", host.name, done.checked, done.updated,
                 done.stopped, done.powered_off)
    return done


def _in_step(host: Host, instance: InstanceRecord) -> bool:
    """True when the page's record and the guest agree and nothing is to be
    done (most instances, most of the time: no lock, no second read)."""
    try:
        power = host.driver.power_state(instance.uuid)
    except Exception:  # noqa: BLE001 - _sync_one reports it
        return False
    return power == instance.power_state and not _acts(instance.vm_state, power)


def _acts(vm_state: str | None, power: int) -> bool:
    return ((vm_state in (VmState.ACTIVE, VmState.PAUSED) and power in _OFF)
            or (vm_state == VmState.STOPPED and power in _ON))


def _sync_one(host: Host, ctx: RequestContext, uuid: str, done: Synced) -> None:
    # Read again under the lock: an operation may have ended meanwhile.
    try:
        instance = host.conductor.instance_get(ctx, uuid)
    except InstanceNotFound:
        return
    if instance.task_state is not None or instance.host != host.name:
        return
    power = host.driver.power_state(uuid)
    values = _values(host, instance, power, done)
    if values.get("power_state", instance.power_state) == instance.power_state \
            and "vm_state" not in values:
        return
    try:
        host.conductor.instance_update(ctx, uuid, values, expected_task_state=[None],
                                       expected_vm_state=[instance.vm_state])
    except (InstanceNotFound, UnexpectedTaskState) as exc:
        LOG.info("power sync: %s changed meanwhile: %s", uuid, exc)
        return
    done.updated += 1


def _values(host: Host, instance: InstanceRecord, power: int, done: Synced) -> dict:
    vm_state = instance.vm_state
    if not _acts(vm_state, power):
        return {"power_state": power}
    if power in _OFF:
        LOG.warning("instance %s on %s is %s but its guest is off (power state %s): "
                    "recording it stopped", instance.uuid, host.name, vm_state, power)
        done.stopped += 1
        return {"vm_state": VmState.STOPPED, "power_state": PowerState.SHUTDOWN}
    LOG.warning("instance %s on %s is stopped but its guest runs: powering it off",
                instance.uuid, host.name)
    done.powered_off += 1
    return {"power_state": host.driver.power_off(instance.uuid)}
