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
  (:func:`~nubes.compute.operations.resize.roll_back_interrupted`);
* the other moves this host had a step of when it stopped (the cell's
  migrations from or to it that are ``post-migrating``, ``reverting``,
  ``confirming`` or ``running``, and the evacuations to it that are
  ``migrating``; :func:`resume_moves`, before the rest)
  are finished or rolled back, each from the step it stopped in:

  ============================  ==========================================
  resize / cold migration
  ``post-migrating`` (dest)     rolled back (``resize.roll_back_unfinished``)
  ``post-migrating``, resized   migration ``finished`` (the row was done)
  ``reverting``                 the revert again (``resize.resume_revert``)
  ``confirming`` (source)       the confirm again (``resize.confirm_resize``)
  live migration
  ``running`` (source)          rolled back, ``error``
                                (``live_migration.roll_back_interrupted``)
  ``post-migrating``            finished (``live_migration.resume_post_migrating``)
  evacuation
  ``migrating`` (dest)          rolled back, ``failed``, unless the row was
                                done (``evacuate.resume_rebuild``)
  ============================  ==========================================

  A server in such a step gets no guest back here and no allocation
  healed: the step puts both right.

Allocations on this host's providers whose consumer is unknown are left to
``nubes-manage placement audit``, which sees the API database (a claim for
a server still being built has no instance row yet).
"""
from __future__ import annotations

import dataclasses
import logging

from nubes.common.context import RequestContext
from nubes.compute.operations import Host, evacuate, live_migration, resize
from nubes.compute.states import PowerState, TaskState, VmState
from nubes.conductor.cell.messages import InstanceNotFound, InstanceRecord, MigrationRecord

LOG = logging.getLogger(__name__)
PAGE = 200
_GUEST_STATES = {VmState.ACTIVE: None, VmState.RESCUED: None, VmState.RESIZED: None,
                 VmState.PAUSED: "pause", VmState.SUSPENDED: "suspend",
                 VmState.STOPPED: "power_off", VmState.SHELVED: "power_off",
                 VmState.SOFT_DELETED: "power_off", VmState.ERROR: "power_off"}
_NO_HEAL = (VmState.BUILDING, VmState.SOFT_DELETED, VmState.SHELVED_OFFLOADED)
# A server in one of these tasks is in a move step (its guest and its
# allocations are the step's business).
_MOVING = (TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH, TaskState.RESIZE_REVERTING,
           TaskState.MIGRATING)
MOVES_PAGE = 100


@dataclasses.dataclass
class Reconciled:
    guests: int = 0
    healed: int = 0
    rolled_back: int = 0
    resumed: int = 0        # other interrupted moves finished or rolled back


def reconcile(host: Host, ctx: RequestContext, nodes: dict[str, str]) -> Reconciled:
    """``nodes``: this host's node name -> its provider uuid."""
    done = Reconciled()
    done.resumed = resume_moves(host, ctx)
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
    if done.guests or done.healed or done.rolled_back or done.resumed:
        LOG.info("host %s: %d guest(s) brought back, %d allocation(s) healed, %d "
                 "interrupted move(s) rolled back, %d other(s) taken up again", host.name,
                 done.guests, done.healed, done.rolled_back, done.resumed)
    return done


def _interrupted_move(host: Host, ctx: RequestContext, instance: InstanceRecord) -> int:
    try:
        return int(resize.roll_back_interrupted(host, ctx, instance.uuid, instance.vm_state))
    except Exception:  # noqa: BLE001 - one server does not stop the others
        LOG.exception("host %s: could not roll back the interrupted move of %s", host.name,
                      instance.uuid)
        return 0


def resume_moves(host: Host, ctx: RequestContext) -> int:
    """The moves this host had a step of when it stopped, each taken up
    from that step (see the module's table); how many."""
    done, after = 0, 0
    while True:
        page = host.conductor.migrations_in_flight(ctx, host.name, after_id=after,
                                                   limit=MOVES_PAGE)
        for after, migration in page:
            try:
                instance = host.conductor.instance_get(ctx, migration.instance_uuid)
                done += int(_resume(host, ctx, instance, migration))
            except InstanceNotFound:
                continue
            except Exception:  # noqa: BLE001 - one server does not stop the others
                LOG.exception("host %s: could not take up the interrupted move of %s",
                              host.name, migration.instance_uuid)
        if len(page) < MOVES_PAGE:
            return done


def _resume(host: Host, ctx: RequestContext, instance: InstanceRecord,
            migration: MigrationRecord) -> bool:
    status, here = migration.status, host.name
    if migration.migration_type == "evacuation":
        return evacuate.resume_rebuild(host, ctx, instance, migration)
    if migration.migration_type == "live-migration":
        if status == "running" and instance.host == here == migration.source_compute \
                and instance.task_state == TaskState.MIGRATING:
            return live_migration.roll_back_interrupted(host, ctx, instance.uuid,
                                                        migration.uuid)
        if status == "post-migrating" and instance.host == migration.source_compute:
            return live_migration.resume_post_migrating(host, ctx, instance, migration)
        return False
    if status == "post-migrating" and migration.dest_compute == here:
        if instance.task_state in (TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH):
            return resize.roll_back_unfinished(host, ctx, instance.uuid, migration)
        if instance.task_state is None and instance.vm_state == VmState.RESIZED:
            host.conductor.migration_update(ctx, migration.uuid, {"status": "finished"},
                                            expected_status=["post-migrating"])
            return True
        return False
    if status == "reverting":
        return resize.resume_revert(host, ctx, instance, migration)
    if status == "confirming" and migration.source_compute == here:
        return resize.confirm_resize(host, ctx, instance_uuid=instance.uuid,
                                     migration_uuid=migration.uuid)
    return False


def _guest(host: Host, instance: InstanceRecord) -> int:
    if instance.vm_state not in _GUEST_STATES or not instance.node \
            or instance.task_state in _MOVING:
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
