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
from nubes.common.timeutils import utcnow
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import ERROR, SUCCESS, TaskState
from nubes.conductor.super.api_level import ApiLevel
from nubes.conductor.super.instance_values import flavor_columns
from nubes.conductor.task import Task
from nubes.scheduler.messages import Destination, Flavor, RequestSpec
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
    target_state: str | None = None    # evacuate 2.95: "stopped" keeps it stopped


class MigrateServer(Task):
    def __init__(self, api: ApiLevel, scheduler: SchedulerAPI, ctx: RequestContext,
                 move: MoveRequest):
        self.api, self.scheduler, self.ctx, self.move = api, scheduler, ctx, move
        self.uuid = move.instance_uuid
        self._cell = None
        self._migration: str | None = None
        self._handed_over = False

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
        new = Flavor.from_dict(move.flavor) if move.flavor else spec.flavor
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
        self._handed_over = api.placement.move_allocations(
            uuid, self._migration, target_type=MIGRATION_CONSUMER,
            request_id=self.ctx.request_id)
        chosen = self.scheduler.select_destinations(self.ctx, spec, [uuid],
                                                    return_alternates=False)[0][0]
        placed = {"dest_compute": chosen.service_host, "dest_node": chosen.nodename,
                  "dest_host": chosen.service_host}
        if move.live:
            placed["status"] = "preparing"
        db.write(lambda conn: migrations.set_status(conn, self._migration, placed, utcnow()))
        self._event(None)
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
        if self._handed_over:
            try:   # the destination claim (if any) is replaced by the source's again
                self.api.placement.move_allocations(self._migration, self.uuid,
                                                    source_type=MIGRATION_CONSUMER,
                                                    request_id=self.ctx.request_id)
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
