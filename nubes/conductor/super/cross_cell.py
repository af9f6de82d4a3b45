"""Resize and cold migration across cells (policy
``compute:servers:resize:cross_cell``), driven by the super-conductor: the
two hosts are on different buses, so each of their steps is a call.

Finishing a move whose destination is in another cell (after
:mod:`.migrate` recorded it, handed the source's allocation to the
migration's uuid and claimed the destination for the instance's):

1. the instance, its metadata, tags, faults and actions are copied into the
   target cell, **hidden**, with a copy of the migration and of its block
   device mappings (new uuids; volume mappings without an attachment);
2. the source host powers the guest off and lets go of its volumes (each
   attachment swapped for a reservation, so no volume ever looks free),
   the destination reserves and connects them (new attachments) and
   makes the guest;
3. the switch: the target's copy shows (VERIFY_RESIZE, the new flavor), the
   instance mapping points at the target cell, the source's row and
   migration are hidden.  The listing skips a second row of one uuid, so
   the server shows once throughout.

Any failure before the switch removes the target's copy (its mappings;
the destination let go of the volumes it took) and the source connects
its volumes again and powers the guest on where it was (then the move's
rollback gives the allocation back).  Confirm: the source drops its
guest, its volume reservations and mappings, and the migration's
allocation; the source's row is deleted.  Revert: the destination drops
its guest, its attachments and mappings; the allocation goes back to the
instance; the source connects its reserved volumes again and its row
shows again with the actions recorded meanwhile, the mapping points back,
the target's row is deleted.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from nubes.cells.records import CellMapping
from nubes.cells.repo import block_device_mappings as bdm_repo
from nubes.cells.repo import host_mappings, instance_copies, instance_mappings, migrations
from nubes.cells.repo import instance_actions as action_repo
from nubes.cells.repo import instances as cell_repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import SUCCESS, PowerState, TaskState, VmState
from nubes.conductor.super.api_level import ApiLevel
from nubes.scheduler.messages import Selection

LOG = logging.getLogger(__name__)
MIGRATION_CONSUMER = "MIGRATION"


def _hosts(api: ApiLevel, cell: CellMapping) -> ComputeAPI:
    return ComputeAPI(api.buses.require(cell), timeout=api.conf.rpc_response_timeout)


def finish(api: ApiLevel, ctx: RequestContext, source: CellMapping, instance: dict,
           migration_uuid: str, chosen: Selection, old_vm_state: str) -> str:
    uuid = instance["uuid"]
    target = api.cells.get(chosen.cell_uuid)
    src_db, dst_db = api.cells.database(source), api.cells.database(target)
    copy = src_db.read(lambda conn: instance_copies.export(conn, uuid))
    disks = src_db.read(lambda conn: bdm_repo.of_instance(conn, uuid))
    migration = src_db.read(lambda conn: migrations.get(conn, migration_uuid))
    placed = {"dest_compute": chosen.service_host, "dest_node": chosen.nodename,
              "dest_host": chosen.service_host, "cross_cell_move": True}

    def copy_in(conn) -> None:
        now = utcnow()
        instance_copies.import_rows(conn, copy, {
            "hidden": True, "host": chosen.service_host, "node": chosen.nodename,
            "task_state": TaskState.RESIZE_MIGRATING}, now)
        migrations.create(conn, {k: v for k, v in {**migration, **placed}.items()
                                 if k not in ("id", "created_at", "updated_at")}, now)
        for disk in disks:      # the target host attaches the volumes itself
            bdm_repo.create(conn, uuid, {**{k: v for k, v in disk.items() if k != "uuid"},
                                         "attachment_id": None, "connection_info": None},
                            now)
    dst_db.write(copy_in)
    try:
        _hosts(api, source).move_guest(ctx, instance["host"], "hand_off_guest", uuid)
        power = _hosts(api, target).move_guest(
            ctx, chosen.service_host, "take_guest", uuid, node=chosen.nodename,
            stopped=old_vm_state == VmState.STOPPED)
    except Exception:
        _forget(dst_db, uuid, migration_uuid)
        _resume_source(api, ctx, source, instance, old_vm_state != VmState.STOPPED)
        raise
    now = utcnow()
    dst_db.write(lambda conn: (
        cell_repo.update(conn, uuid, {**json.loads(migration["new_flavor"]), "hidden": False,
                                      "vm_state": VmState.RESIZED, "task_state": None,
                                      "power_state": power}, now),
        migrations.set_status(conn, migration_uuid, {"status": "finished"}, now),
        _finish_events(conn, uuid, ctx.request_id, now)))
    if not api.api_db.write(lambda conn: instance_mappings.point_at_cell(
            conn, uuid, target.id, unless_deleting=True)):
        _forget(dst_db, uuid, migration_uuid)
        return _discard(api, ctx, source, target, uuid, {**migration, **placed})
    src_db.write(lambda conn: (
        cell_repo.update(conn, uuid, {"hidden": True, "task_state": None}, now),
        migrations.set_status(conn, migration_uuid, {**placed, "status": "finished",
                                                     "hidden": True}, now)))
    LOG.info("%s moved from %s to %s across cells (migration %s)", uuid, source.label,
             target.label, migration_uuid)
    return "migrated-across-cells"


def _finish_events(conn, uuid: str, request_id: str, now) -> None:
    """The copied action's open events (the conductor's) end with the move."""
    action_id = action_repo.find_action(conn, uuid, request_id)
    if action_id is not None:
        action_repo.finish_event(conn, action_id, "conductor_migrate_server", result=SUCCESS,
                                 traceback=None, host=None, now=now)
        action_repo.finish_action(conn, action_id, now)


def _forget(db, uuid: str, migration_uuid: str) -> None:
    """Remove a target cell's copy (a move that did not happen)."""
    now = utcnow()
    try:
        db.write(lambda conn: (
            cell_repo.soft_delete(conn, uuid, now, {"hidden": True, "task_state": None}),
            bdm_repo.soft_delete_all(conn, uuid, now),
            migrations.set_status(conn, migration_uuid, {"status": "error", "hidden": True},
                                  now)))
    except Exception:  # noqa: BLE001 - logged; a hidden row shows nowhere
        LOG.exception("could not remove the target cell's copy of %s", uuid)


def _resume_source(api: ApiLevel, ctx: RequestContext, source: CellMapping, instance: dict,
                   running: bool) -> int:
    try:
        return _hosts(api, source).move_guest(ctx, instance["host"], "resume_guest",
                                              instance["uuid"], node=instance["node"],
                                              running=running)
    except Exception:  # noqa: BLE001 - the host's start reconciles it later
        LOG.exception("could not power %s on again on %s", instance["uuid"],
                      instance["host"])
        return PowerState.NOSTATE


def _cells(api: ApiLevel, uuid: str, migration: dict) -> tuple[CellMapping, CellMapping]:
    """(source cell, target cell) of a move across cells, the server
    mapped to the target."""
    mapping = api.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
    source_map = api.api_db.read(lambda conn: host_mappings.get_by_host(
        conn, migration["source_compute"]))
    return api.cells.get(source_map.cell_uuid), api.cells.by_id(mapping.cell_id)


def confirm(api: ApiLevel, ctx: RequestContext, uuid: str, migration_uuid: str) -> str:
    mapping = api.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
    target = api.cells.by_id(mapping.cell_id)
    dst_db = api.cells.database(target)
    migration = dst_db.read(lambda conn: migrations.get(conn, migration_uuid))
    source, _ = _cells(api, uuid, migration)
    _hosts(api, source).move_guest(ctx, migration["source_compute"], "drop_guest", uuid)
    api.placement.delete_allocations(migration_uuid, request_id=ctx.request_id)
    now = utcnow()
    api.cells.database(source).write(lambda conn: (
        cell_repo.soft_delete(conn, uuid, now, {"vm_state": VmState.DELETED,
                                                "task_state": None}),
        migrations.set_status(conn, migration_uuid, {"status": "confirmed"}, now)))
    row = dst_db.read(lambda conn: cell_repo.get(conn, uuid)) or {}
    stopped = row.get("power_state") == PowerState.SHUTDOWN

    def settle(conn) -> None:
        cell_repo.update(conn, uuid, {"vm_state": VmState.STOPPED if stopped else
                                      VmState.ACTIVE}, now, vm_states=[VmState.RESIZED])
        migrations.set_status(conn, migration_uuid, {"status": "confirmed"}, now)
        action_id = action_repo.find_action(conn, uuid, ctx.request_id)
        if action_id is not None:
            action_repo.finish_action(conn, action_id, now)
    dst_db.write(settle)
    return "confirmed"


def revert(api: ApiLevel, ctx: RequestContext, uuid: str, migration_uuid: str) -> str:
    """Back to the source cell; a server deleted meanwhile (before or
    during the revert) stays deleted, with nothing left on either side."""
    mapping = api.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
    if mapping is None or mapping.cell_id is None:
        return "gone"
    target = api.cells.by_id(mapping.cell_id)
    dst_db = api.cells.database(target)
    migration = dst_db.read(lambda conn: migrations.get(conn, migration_uuid))
    if migration is None:
        return "gone"
    source, _ = _cells(api, uuid, migration)
    row = dst_db.read(lambda conn: cell_repo.get(conn, uuid))
    if row is None or mapping.queued_for_delete:
        return _discard(api, ctx, source, target, uuid, migration)
    try:
        _bring_back(api, ctx, source, target, uuid, migration, row)
    except Exception:
        if _deleting(api, uuid):
            return _discard(api, ctx, source, target, uuid, migration)
        raise
    if not api.api_db.write(lambda conn: instance_mappings.point_at_cell(
            conn, uuid, source.id, unless_deleting=True)):
        return _discard(api, ctx, source, target, uuid, migration)
    now = utcnow()
    dst_db.write(lambda conn: (
        cell_repo.soft_delete(conn, uuid, now, {"hidden": True, "task_state": None}),
        migrations.set_status(conn, migration_uuid, {"status": "reverted", "hidden": True},
                              now)))
    return "reverted"


def _bring_back(api: ApiLevel, ctx: RequestContext, source: CellMapping,
                target: CellMapping, uuid: str, migration: dict, row: dict) -> None:
    migration_uuid, dst_db = migration["uuid"], api.cells.database(target)
    running = row.get("power_state") == PowerState.RUNNING
    _hosts(api, target).move_guest(ctx, migration["dest_compute"], "drop_guest", uuid)
    api.placement.move_allocations(migration_uuid, uuid, source_type=MIGRATION_CONSUMER,
                                   request_id=ctx.request_id)
    back = {"host": migration["source_compute"], "node": migration["source_node"]}
    power = _resume_source(api, ctx, source, {"uuid": uuid, **back}, running)
    copy = dst_db.read(lambda conn: instance_copies.export(conn, uuid))
    now = utcnow()
    values: dict[str, Any] = {**json.loads(migration["old_flavor"]), **back, "hidden": False,
                              "vm_state": VmState.ACTIVE if running else VmState.STOPPED,
                              "task_state": None, "power_state": power}

    def bring_back(conn) -> None:
        instance_copies.import_rows(conn, copy, values, now)
        migrations.set_status(conn, migration_uuid, {"status": "reverted", "hidden": False},
                              now)
        action_id = action_repo.find_action(conn, uuid, ctx.request_id)
        if action_id is not None:
            action_repo.finish_action(conn, action_id, now)
    api.cells.database(source).write(bring_back)


def _deleting(api: ApiLevel, uuid: str) -> bool:
    mapping = api.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
    return mapping is None or mapping.queued_for_delete


def _discard(api: ApiLevel, ctx: RequestContext, source: CellMapping,
             target: CellMapping, uuid: str, migration: dict) -> str:
    """The server was deleted while it moved: its guests on both hosts,
    the source cell's copy and every allocation of the move go (the
    delete took care of the cell it found the server in)."""
    LOG.info("%s was deleted during its move across cells; cleaning up both sides", uuid)
    for cell, host in ((source, migration["source_compute"]),
                       (target, migration["dest_compute"])):
        try:
            _hosts(api, cell).move_guest(ctx, host, "drop_guest", uuid)
        except Exception:  # noqa: BLE001 - the host's start reconciles it later
            LOG.exception("could not remove the guest of deleted %s on %s", uuid, host)
    for consumer in (migration["uuid"], uuid):
        api.placement.delete_allocations(consumer, request_id=ctx.request_id)
    now = utcnow()
    api.cells.database(source).write(lambda conn: (
        cell_repo.soft_delete(conn, uuid, now, {"task_state": None}),
        migrations.set_status(conn, migration["uuid"], {"status": "error"}, now)))
    return "gone"
