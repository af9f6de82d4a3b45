"""What a host does with its instances when it starts: line its guests and
placement up with the cell database.

* every instance the cell database places on this host gets its guest back
  when the hypervisor lost it (a fake host keeps guests in memory, so a
  restarted ``nubes up`` finds none): running, paused, suspended or powered
  off as its vm_state says;
* an instance on this host with no allocation at all — no task under way,
  not being built, not soft-deleted — gets its flavor allocated on its
  node's provider again, guarded by the consumer generation (an allocation
  that appears meanwhile is kept).

* a server this host was moving away when it stopped (task
  ``resize_migrating``) has the move rolled back
  (:func:`~nubes.compute.operations.resize.roll_back_interrupted`).

Allocations on this host's providers whose consumer is unknown are left to
``nubes-manage placement audit``, which sees the API database (a claim for
a server still being built has no instance row yet).
"""
from __future__ import annotations

import dataclasses
import logging

from nubes.common.context import RequestContext
from nubes.compute.operations import Host, resize
from nubes.compute.states import PowerState, TaskState, VmState
from nubes.conductor.cell.messages import InstanceRecord

LOG = logging.getLogger(__name__)
PAGE = 200
_GUEST_STATES = {VmState.ACTIVE: None, VmState.RESCUED: None, VmState.RESIZED: None,
                 VmState.PAUSED: "pause", VmState.SUSPENDED: "suspend",
                 VmState.STOPPED: "power_off", VmState.SHELVED: "power_off",
                 VmState.SOFT_DELETED: "power_off", VmState.ERROR: "power_off"}
_NO_HEAL = (VmState.BUILDING, VmState.SOFT_DELETED, VmState.SHELVED_OFFLOADED)


@dataclasses.dataclass
class Reconciled:
    guests: int = 0
    healed: int = 0
    rolled_back: int = 0


def reconcile(host: Host, ctx: RequestContext, nodes: dict[str, str]) -> Reconciled:
    """``nodes``: this host's node name -> its provider uuid."""
    done = Reconciled()
    after = 0
    while True:
        page = host.conductor.instances_on_host(ctx, host.name, after_id=after, limit=PAGE)
        for _id, instance in page:
            with host.locks.hold(instance.uuid):
                if instance.task_state == TaskState.RESIZE_MIGRATING:
                    done.rolled_back += _interrupted_move(host, ctx, instance)
                done.guests += _guest(host, instance)
                done.healed += _allocation(host, ctx, instance, nodes)
        if len(page) < PAGE:
            break
        after = page[-1][0]
    if done.guests or done.healed or done.rolled_back:
        LOG.info("host %s: %d guest(s) brought back, %d allocation(s) healed, %d "
                 "interrupted move(s) rolled back", host.name, done.guests, done.healed,
                 done.rolled_back)
    return done


def _interrupted_move(host: Host, ctx: RequestContext, instance: InstanceRecord) -> int:
    try:
        return int(resize.roll_back_interrupted(host, ctx, instance.uuid, instance.vm_state))
    except Exception:  # noqa: BLE001 - one server does not stop the others
        LOG.exception("host %s: could not roll back the interrupted move of %s", host.name,
                      instance.uuid)
        return 0


def _guest(host: Host, instance: InstanceRecord) -> int:
    if instance.vm_state not in _GUEST_STATES or not instance.node:
        return 0
    if host.driver.power_state(instance.uuid) != PowerState.NOSTATE:
        return 0
    try:
        host.driver.spawn(instance.uuid, instance.node)
        then = _GUEST_STATES[instance.vm_state]
        if then is not None:
            getattr(host.driver, then)(instance.uuid)
    except Exception:  # noqa: BLE001 - one guest does not stop the others
        LOG.exception("host %s: could not bring back the guest of %s", host.name,
                      instance.uuid)
        return 0
    return 1


def _allocation(host: Host, ctx: RequestContext, instance: InstanceRecord,
                nodes: dict[str, str]) -> int:
    provider = nodes.get(instance.node or "")
    if instance.vm_state in _NO_HEAL or instance.task_state is not None or provider is None:
        return 0
    try:
        if host.placement.get_allocations(instance.uuid).allocations:
            return 0        # (a server waiting in a move holds its destination's)
        resources = {"VCPU": instance.vcpus or 0, "MEMORY_MB": instance.memory_mb or 0,
                     "DISK_GB": (instance.root_gb or 0) + (instance.ephemeral_gb or 0)}
        claimed = host.placement.claim(
            instance.uuid, {provider: {"resources": {k: v for k, v in resources.items()
                                                     if v > 0}}},
            instance.project_id or "", instance.user_id or "", consumer_generation=None)
    except Exception:  # noqa: BLE001 - placement down: the next start tries again
        LOG.exception("host %s: could not check the allocation of %s", host.name,
                      instance.uuid)
        return 0
    if not claimed.claimed:
        LOG.warning("host %s: could not heal the allocation of %s: %s", host.name,
                    instance.uuid, claimed.detail)
        return 0
    LOG.warning("host %s: %s had no allocation; allocated its flavor on %s again",
                host.name, instance.uuid, instance.node)
    return 1
