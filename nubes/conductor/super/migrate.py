"""The super-conductor's part of a resize, cold migration or evacuation
(within the server's cell): record the move, hand the source's allocation
to the migration, schedule and claim the destination, and start the move
on the source host (or, for an evacuation, whose source is down, on the
destination).

The API set task_state ``resize_prep`` and started the ``resize`` /
``migrate`` action.  Here, as the event ``conductor_migrate_server``:

1. a migration row (``pre-migrating``) is written in the cell, with the
   instance's flavor columns before and after;
2. in one placement transaction the instance's allocation on the source
   becomes the migration's (consumer = the migration's uuid), so the
   source stays accounted while the instance's own uuid claims the
   destination;
3. the scheduler selects and claims a destination in the same cell (not
   the source, unless ``allow_resize_to_same_host`` for a resize; 2.56's
   ``host`` when given), for the new flavor;
4. the destination goes into the migration, and ``resize_instance`` is cast
   to the source host (which powers the guest off and hands over to the
   destination: :mod:`nubes.compute.operations.resize`).

Within a shared storage pool (the instance's allocation has a provider
with the trait ``MISC_SHARES_VIA_AGGREGATE``, e.g. its disk), the hosts of
the pool come first and only the host part moves: steps 2 and 3 become

2'. the scheduler claims the destination's VCPU/MEMORY_MB (the request
   without the classes the pool gives, on hosts in the pool's aggregates)
   for the migration's uuid;
3'. in one placement transaction the migration takes the instance's
   allocation on the source host and the instance the claim on the
   destination; its allocation on the pool stays its own all the way
   (grown by a resize's bigger disk), so the pool is never counted twice.

When no host of the pool fits (or the pool has no room for a resize's
bigger disk), the move goes to any host as above, and the pool's
allocation moves with the rest.

Any failure (no valid host included): the allocation goes back to the
instance in one transaction, the migration is ``error``, the task is
cleared (the server stays where it was, as it was), a fault is written and
the event finishes with Error.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import traceback
from typing import Any

from nubes.cells.repo import instance_actions as action_repo
from nubes.cells.repo import instance_mappings, migrations, request_specs
from nubes.cells.repo import instances as cell_repo
from nubes.common.context import RequestContext
from nubes.common.flavor_disk import DISK_GB, columns_disk_gb, disk_gb
from nubes.common.timeutils import utcnow
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import ERROR, SUCCESS, TaskState
from nubes.conductor.super import cross_cell
from nubes.conductor.super.api_level import ApiLevel
from nubes.conductor.super.instance_values import flavor_columns
from nubes.conductor.task import Task
from nubes.placement.client import PlacementConflict
from nubes.scheduler.messages import Destination, Flavor, NoValidHost, RequestSpec, Selection
from nubes.scheduler.rpcapi import SchedulerAPI

LOG = logging.getLogger(__name__)
EVENT = "conductor_migrate_server"
MIGRATION_CONSUMER = "MIGRATION"


@dataclasses.dataclass(frozen=True)
class MoveRequest:
    instance_uuid: str
    flavor: dict[str, Any] | None      # the new flavor (a resize); None: same flavor
    host: str | None = None            # the destination host asked for (2.56, evacuate)
    old_vm_state: str = "active"
    evacuate: bool = False             # the source is down: rebuild on the destination
    live: bool = False                 # a live migration: the guest keeps running
    cross_cell: bool = False           # may go to another cell when its own has no room
    target_state: str | None = None    # evacuate 2.95: "stopped" keeps it stopped


def current_flavor(instance: dict, spec: RequestSpec) -> Flavor:
    """The flavor the instance row says it has, else the spec's."""
    try:
        return Flavor.from_dict(json.loads(instance.get("flavor") or ""))
    except (ValueError, TypeError, KeyError):
        return spec.flavor


class MigrateServer(Task):
    def __init__(self, api: ApiLevel, scheduler: SchedulerAPI, ctx: RequestContext,
                 move: MoveRequest):
        self.api, self.scheduler, self.ctx, self.move = api, scheduler, ctx, move
        self.uuid = move.instance_uuid
        self._cell = None
        self._migration: str | None = None
        self._handed_over = False       # the migration holds all the source's allocation
        self._claimed = False           # the migration holds a claim in a pool (2')
        self._pool_delta: dict[str, int] | None = None  # set once swapped (3')

    def _execute(self) -> str:
        api, uuid, move = self.api, self.uuid, self.move
        mapping = api.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
        if mapping is None or mapping.cell_id is None:
            return "gone"
        self._cell = cell = api.cells.by_id(mapping.cell_id)
        db = api.cells.database(cell)
        self._event(None, start=True)
        instance = db.read(lambda conn: cell_repo.get(conn, uuid))
        if instance is None or instance.get("deleted"):
            return "gone"
        stored = api.api_db.read(lambda conn: request_specs.get(conn, uuid))
        if stored is None:
            raise LookupError(f"no request spec for {uuid}")
        spec = RequestSpec.from_dict(stored)
        # Without a new flavor the server keeps the one it has now (which
        # an auto-confirmed resize may have changed since the spec was saved).
        new = Flavor.from_dict(move.flavor) if move.flavor else current_flavor(instance, spec)
        resize = move.flavor is not None
        same_host = (resize and api.conf.allow_resize_to_same_host and not move.evacuate
                     and not move.live)
        spec = dataclasses.replace(
            spec, flavor=new, num_instances=1, instance_uuid=uuid,
            ignore_hosts=[] if same_host else [instance["host"]],
            requested_destination=Destination(host=move.host, cell_uuid=cell.uuid))
        self._migration = self._record(db, instance, new,
                                       "evacuation" if move.evacuate else
                                       "live-migration" if move.live else
                                       "resize" if resize else "migration")
        chosen = self._schedule(spec, instance, new)
        placed = {"dest_compute": chosen.service_host, "dest_node": chosen.nodename,
                  "dest_host": chosen.service_host}
        if move.live:
            placed["status"] = "preparing"
        # Conditional: a move the cell's stuck-task check gave up on meanwhile
        # (its rows untouched for instance_task_timeout) stays given up.
        if not db.write(lambda conn: migrations.set_status(
                conn, self._migration, placed, utcnow(),
                expected=["queued" if move.live else "pre-migrating"])):
            raise RuntimeError(f"migration {self._migration} was ended meanwhile")
        self._event(None)
        if chosen.cell_uuid != cell.uuid:
            return cross_cell.finish(api, self.ctx, cell, instance, self._migration, chosen,
                                     move.old_vm_state)
        hosts = ComputeAPI(api.buses.require(cell))
        if move.live:
            hosts.live_migrate_instance(self.ctx, instance["host"], uuid,
                                        migration_uuid=self._migration,
                                        selection=chosen).send()
        elif move.evacuate:     # the source is down: the destination builds it again
            hosts.evacuate_instance(self.ctx, chosen.service_host, uuid,
                                    migration_uuid=self._migration, selection=chosen,
                                    target_state=move.target_state).send()
        else:
            hosts.resize_instance(self.ctx, instance["host"], uuid,
                                  migration_uuid=self._migration, selection=chosen,
                                  old_vm_state=move.old_vm_state).send()
        LOG.info("moving %s from %s to %s (migration %s)", uuid, instance["host"],
                 chosen.service_host, self._migration)
        return "migrating"

    def _schedule(self, spec: RequestSpec, instance: dict, new: Flavor) -> Selection:
        """Claim a destination: in the instance's shared storage pool if it
        has one and a host there fits, otherwise anywhere."""
        pool = self._pool()
        if pool:
            delta = {DISK_GB: disk_gb(new.root_gb, new.ephemeral_gb, new.swap,
                                      new.extra_specs, is_bfv=spec.is_bfv)
                     - columns_disk_gb(instance, is_bfv=spec.is_bfv)}
            try:
                return self._schedule_in_pool(spec, pool, delta)
            except NoValidHost as exc:
                self._claimed = False       # the scheduler released what it claimed
                LOG.info("no host of the shared storage pool of %s fits (%s); moving its "
                         "allocation on the pool too", self.uuid, exc)
        self._handed_over = self.api.placement.move_allocations(
            self.uuid, self._migration, target_type=MIGRATION_CONSUMER,
            request_id=self.ctx.request_id)
        try:
            return self.scheduler.select_destinations(self.ctx, spec, [self.uuid],
                                                      return_alternates=False)[0][0]
        except NoValidHost:
            if not self.move.cross_cell:
                raise
        # Its own cell is preferred; when nothing there fits, any cell.
        anywhere = dataclasses.replace(spec, requested_destination=dataclasses.replace(
            spec.requested_destination or Destination(), cell_uuid=None))
        LOG.info("no host of its cell fits %s: looking in every cell", self.uuid)
        return self.scheduler.select_destinations(self.ctx, anywhere, [self.uuid],
                                                  return_alternates=False)[0][0]

    def _pool(self) -> dict[str, dict[str, int]]:
        """The instance's allocations on sharing providers (its pool)."""
        placement, rid = self.api.placement, self.ctx.request_id
        held = placement.get_allocations(self.uuid, request_id=rid).allocations
        if not held:
            return {}
        sharing = {p.uuid for p in placement.sharing_providers(request_id=rid)}
        return {rp: r for rp, r in held.items() if rp in sharing}

    def _schedule_in_pool(self, spec: RequestSpec, pool: dict[str, dict[str, int]],
                          delta: dict[str, int]) -> Selection:
        """Steps 2' and 3' (see the module's doc)."""
        placement, rid = self.api.placement, self.ctx.request_id
        aggregates = [",".join(sorted(placement.get_aggregates(rp, request_id=rid).aggregates))
                      for rp in sorted(pool)]
        if not all(aggregates):     # a sharing provider in no aggregate shares with no one
            raise NoValidHost("the instance's sharing provider is in no aggregate")
        classes = {rc for resources in pool.values() for rc in resources}
        extra = {k: v for k, v in spec.flavor.extra_specs.items()
                 if not any(k.startswith("resources") and k.endswith(":" + rc)
                            for rc in classes)}
        extra.update({f"resources:{rc}": "0" for rc in classes})
        destination = spec.requested_destination or Destination()
        in_pool = dataclasses.replace(
            spec, flavor=dataclasses.replace(spec.flavor, extra_specs=extra),
            requested_destination=dataclasses.replace(
                destination, aggregates=[*destination.aggregates, *aggregates]))
        self._claimed = True
        chosen = self.scheduler.select_destinations(self.ctx, in_pool, [self._migration],
                                                    return_alternates=False)[0][0]
        try:
            placement.swap_for_move(self.uuid, self._migration, shared=pool,
                                    shared_delta=delta, migration_type=MIGRATION_CONSUMER,
                                    request_id=rid)
        except PlacementConflict as exc:    # the pool has no room for the bigger disk
            placement.delete_allocations(self._migration, request_id=rid)
            raise NoValidHost(f"the shared storage pool refused the move: {exc}") from None
        self._claimed, self._pool_delta = False, delta
        LOG.info("%s moves within its shared storage pool: only %s's part changes hands",
                 self.uuid, chosen.service_host)
        return chosen

    def _record(self, db, instance: dict, new: Flavor, kind: str) -> str:
        old = {k: instance.get(k) for k in ("vcpus", "memory_mb", "root_gb",
                                            "ephemeral_gb", "flavor")}
        values = {"instance_uuid": self.uuid,
                  "status": "queued" if kind == "live-migration" else "pre-migrating",
                  "migration_type": kind,
                  "source_compute": instance["host"], "source_node": instance["node"],
                  "old_flavor": json.dumps(old), "new_flavor": json.dumps(flavor_columns(new)),
                  "project_id": instance.get("project_id"), "user_id": self.ctx.user_id}
        return db.write(lambda conn: migrations.create(conn, values, utcnow()))["uuid"]

    def rollback(self, exc: Exception) -> None:
        placement, rid = self.api.placement, self.ctx.request_id
        try:
            if self._handed_over or self._pool_delta is not None:
                # The destination claim (if any) is replaced by the source's
                # again; in a pool the instance keeps its allocation there
                # (as big as before the move).
                delta = {rc: -n for rc, n in (self._pool_delta or {}).items()}
                placement.move_allocations(self._migration, self.uuid,
                                           source_type=MIGRATION_CONSUMER,
                                           keep_shared=self._pool_delta is not None,
                                           shared_delta=delta, request_id=rid)
            elif self._claimed:     # a claim in the pool the swap did not take
                placement.delete_allocations(self._migration, request_id=rid)
        except Exception:  # noqa: BLE001 - left for the placement audit
            LOG.exception("could not give %s its allocation back", self.uuid)
        if self._cell is None:
            return
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()

        def work(conn) -> None:
            now = utcnow()
            if self._migration:
                migrations.set_status(conn, self._migration, {"status": "error"}, now)
            if cell_repo.update(conn, self.uuid, {"task_state": None}, now,
                                task_states=[TaskState.RESIZE_PREP, TaskState.REBUILDING,
                                             TaskState.MIGRATING]):
                cell_repo.add_fault(conn, self.uuid, code=400, message=text[:255],
                                    details=None, host=None, now=now)
            self._finish_event(conn, text, now)
        self.api.cells.database(self._cell).write(work)

    def _event(self, error: str | None, *, start: bool = False) -> None:
        def work(conn) -> None:
            now = utcnow()
            if start:
                action_id = action_repo.find_action(conn, self.uuid, self.ctx.request_id)
                if action_id is not None:
                    action_repo.start_event(conn, action_id, EVENT, host=None, now=now)
            else:
                self._finish_event(conn, error, now)
        self.api.cells.database(self._cell).write(work)

    def _finish_event(self, conn, error: str | None, now) -> None:
        action_id = action_repo.find_action(conn, self.uuid, self.ctx.request_id)
        if action_id is None:
            return
        action_repo.finish_event(conn, action_id, EVENT, result=ERROR if error else SUCCESS,
                                 traceback=error, host=None, now=now)
        if error:
            action_repo.finish_action(conn, action_id, now, failed=True)
