"""The super-conductor's build: build requests -> instances in cells.

:class:`ScheduleAndBuild` (one request, possibly a multi-create):

0. lease the build requests (``[DEFAULT] build_request_lease``): those
   another super-conductor holds, or that are gone, are left alone; one
   whose earlier lease ran out is taken over (its owner died: whatever it
   left is cleared first, see :mod:`leftovers`);
1. read the request spec (unless the cast carried it);
2. ask the scheduler for destinations (per instance: a claimed selection
   plus unclaimed alternates from the same cell);
3. if scheduling fails (no valid host, or anything else) every instance is
   buried in cell0 (:mod:`cell0`) and claims are released;
4. the quota is counted again (:mod:`quota_recheck`); over it, likewise;
5. otherwise each instance is placed by :class:`PlaceInCell`.

:class:`PlaceInCell` (one instance), in the order that keeps the API from
ever seeing half a server:

1. host -> cell through the host mapping (no mapping: bury in cell0);
2. the build request still there? (gone: the user deleted the server;
   release the claim, drop the mapping, stop);
3. create the instance in the cell's database (building/scheduling, host
   and node of the selection) with its ``create`` action and its block
   device mappings (the host connects their volumes before it spawns);
4. one API-database transaction: point the mapping at the cell and delete
   the build request.  If the delete finds nothing the user deleted the
   server meanwhile: delete the new row, release the claim, stop;
5. after those commits, cast ``build_and_run_instance`` to the host on the
   **cell's** bus with the claimed selection and the alternates.

Its rollback (an unexpected error on the way) releases the claim and, if
the row was created, puts it in ERROR with a fault.  If the row could not
be created (the cell's database does not answer, say), the instance is
scheduled once more away from every host of that cell, and buried in cell0
if that fails too.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import uuid as uuidlib
from typing import Any

from nubes.cells import quota
from nubes.cells.repo import (
    block_device_mappings,
    build_requests,
    host_mappings,
    instance_mappings,
    request_specs,
)
from nubes.cells.repo import instance_actions as action_repo
from nubes.cells.repo import instances as cell_repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, VmState
from nubes.conductor.super import cell0, leftovers, quota_recheck
from nubes.conductor.super.api_level import ApiLevel
from nubes.conductor.super.instance_values import instance_values
from nubes.conductor.task import Task
from nubes.scheduler.messages import NoValidHost, RequestSpec, Selection
from nubes.scheduler.rpcapi import SchedulerAPI

LOG = logging.getLogger(__name__)


class ScheduleAndBuild(Task):
    def __init__(self, api: ApiLevel, scheduler: SchedulerAPI, ctx: RequestContext,
                 instance_uuids: list[str], request_spec: RequestSpec | None = None):
        self.api = api
        self.scheduler = scheduler
        self.ctx = ctx
        self.instance_uuids = list(instance_uuids)
        self.spec = request_spec

    def _execute(self) -> dict[str, str]:
        """instance uuid -> what became of it (``building``, ``cell0``,
        ``deleted``, ``failed``, ``elsewhere``: built, deleted or leased by
        another super-conductor)."""
        taken = self._take()
        outcome = {u: "elsewhere" for u in self.instance_uuids if u not in taken}
        if outcome:
            LOG.info("build requests of %s are gone or held elsewhere; leaving them",
                     sorted(outcome))
        self.instance_uuids = [u for u in self.instance_uuids if u in taken]
        if self.instance_uuids:
            outcome.update(self._schedule_and_place())
        return outcome

    def _take(self) -> set[str]:
        now = utcnow()
        until = now + datetime.timedelta(seconds=self.api.conf.build_request_lease)
        owner = str(uuidlib.uuid4())
        taken, taken_over = self.api.api_db.write(lambda conn: build_requests.take(
            conn, self.instance_uuids, owner, now, until))
        for uuid in sorted(taken_over):
            leftovers.clear_leftovers(self.api, self.ctx, uuid)
        return taken

    def _schedule_and_place(self) -> dict[str, str]:
        """Two rounds at most: instances whose cell could not be written
        (its database unreachable, say; nothing was made there) are
        scheduled once more away from that cell's hosts, then buried."""
        uuids = self.instance_uuids
        spec = self.spec or self._load_spec()
        if spec is None:
            LOG.error("no request spec for %s; cannot build", uuids)
            return {u: "failed" for u in uuids}
        outcome, unplaced = self._one_round(uuids, spec)
        if unplaced:
            cells = {cell.id: cell for cell, _ in unplaced.values()}
            avoid = self.api.api_db.read(lambda conn: [
                m.host for cell_id in cells for m in host_mappings.list_all(conn, cell_id)])
            spec = dataclasses.replace(spec, ignore_hosts=sorted(
                set(spec.ignore_hosts) | set(avoid)))
            placed, unplaced = self._one_round(list(unplaced), spec)
            outcome.update(placed)
        for uuid, (cell, exc) in unplaced.items():
            reason = (f"Build of instance {uuid} failed: cell {cell.label} could not "
                      f"be written: {type(exc).__name__}: {exc}")[:255]
            outcome[uuid] = ("cell0" if cell0.bury(self.api, self.ctx, uuid, spec, reason)
                             else "deleted")
        return outcome

    def _one_round(self, uuids: list[str], spec: RequestSpec
                   ) -> tuple[dict[str, str], dict[str, tuple[Any, Exception]]]:
        """What became of each instance, and the instances whose chosen
        cell could not be written (with the cell and the error)."""
        spec.num_instances = len(uuids)
        try:
            selections = self.scheduler.select_destinations(self.ctx, spec, uuids,
                                                            return_alternates=True)
        except Exception as exc:  # noqa: BLE001 - every failure buries the request
            if not isinstance(exc, NoValidHost):
                LOG.exception("scheduling %s failed", uuids)
                for uuid in uuids:  # a timed-out scheduler may have claimed
                    _release(self.api, self.ctx, uuid)
            reason = str(exc) if isinstance(exc, NoValidHost) else \
                f"Build of instance failed while scheduling: {type(exc).__name__}: {exc}"
            return {u: "cell0" if cell0.bury(self.api, self.ctx, u, spec, reason)
                    else "deleted" for u in uuids}, {}
        known = self._read_api_rows(spec, selections)
        refused = quota_recheck.refuse_if_over(self.api, self.ctx, spec, uuids,
                                               limits=known.limits)
        if refused is not None:     # racing creates took the room: cell0, claims released
            return refused, {}
        outcome, unplaced = {}, {}
        for uuid, per_instance in zip(uuids, selections):
            task = PlaceInCell(self.api, self.ctx, uuid, spec, per_instance,
                               mapping=known.mappings.get(per_instance[0].service_host),
                               build_request=known.build_requests.get(uuid))
            try:
                outcome[uuid] = task.execute()
            except Exception as exc:  # noqa: BLE001 - rolled back; the others go on
                if task.cell is not None and not task.created:
                    LOG.warning("cell %s could not take instance %s (%s: %s); scheduling "
                                "it away from that cell", task.cell.label, uuid,
                                type(exc).__name__, exc)
                    unplaced[uuid] = (task.cell, exc)
                else:
                    LOG.exception("placing instance %s failed", uuid)
                    outcome[uuid] = "failed"
        return outcome, unplaced

    def _read_api_rows(self, spec: RequestSpec, selections: list[list[Selection]]
                       ) -> "_ApiRows":
        """One read of the API database for what the rest needs: the
        project's limits (for the recheck), the chosen hosts' mappings and
        the build requests."""
        recheck = self.api.conf.quota.recheck_quota
        project_id = spec.project_id or self.ctx.project_id

        def work(conn) -> _ApiRows:
            return _ApiRows(
                limits=quota.limits_in(conn, self.api.conf, project_id) if recheck else None,
                mappings={s[0].service_host: host_mappings.get_by_host(conn, s[0].service_host)
                          for s in selections},
                build_requests={u: build_requests.get(conn, u)
                                for u in self.instance_uuids})
        return self.api.api_db.read(work)

    def _load_spec(self) -> RequestSpec | None:
        data = self.api.api_db.read(lambda conn: request_specs.get(conn,
                                                                   self.instance_uuids[0]))
        return None if data is None else RequestSpec.from_dict(data)


@dataclasses.dataclass(frozen=True)
class _ApiRows:
    limits: dict[str, int] | None
    mappings: dict[str, Any]            # host -> its host mapping (None: unmapped)
    build_requests: dict[str, Any]      # instance uuid -> its build request (None: gone)


class PlaceInCell(Task):
    def __init__(self, api: ApiLevel, ctx: RequestContext, instance_uuid: str,
                 spec: RequestSpec, selections: list[Selection], *,
                 mapping: Any, build_request: Any):
        """``mapping`` and ``build_request``: the chosen host's mapping and
        the build request as the caller has just read them (None: none)."""
        self.api = api
        self.ctx = ctx
        self.uuid = instance_uuid
        self.spec = spec
        self.chosen, self.alternates = selections[0], list(selections[1:])
        self._mapping, self._build_request = mapping, build_request
        self.cell = None           # the chosen host's cell, once known
        self.created = False      # the instance row written there

    def _execute(self) -> str:
        api, uuid, chosen = self.api, self.uuid, self.chosen
        mapping, build_request = self._mapping, self._build_request
        if mapping is None:
            _release(api, self.ctx, uuid)
            reason = f"Host '{chosen.service_host}' is not mapped to any cell"
            return "cell0" if cell0.bury(api, self.ctx, uuid, self.spec, reason) else "deleted"
        cell = self.cell = api.cells.get(mapping.cell_uuid)
        if build_request is None:
            LOG.info("instance %s was deleted while scheduling; releasing its claim", uuid)
            _release(api, self.ctx, uuid)
            api.api_db.write(lambda conn: instance_mappings.delete(conn, uuid))
            return "deleted"

        values = instance_values(build_requests.decode_instance(build_request.instance), uuid, self.spec)
        values.update(host=chosen.service_host, node=chosen.nodename, scheduled_at=utcnow())
        if chosen.availability_zone:
            values["availability_zone"] = chosen.availability_zone
        tags = json.loads(build_request.tags) if build_request.tags else []
        # block_device_mapping_v2 (reserved volumes carry their attachment).
        disks = json.loads(build_request.block_device_mappings or "[]")

        def cell_work(conn) -> None:
            now = utcnow()
            cell_repo.create(conn, values, now)
            cell_repo.add_tags(conn, uuid, tags)
            cell_repo.add_metadata(conn, uuid, values.get("metadata"), now)
            for disk in disks:
                block_device_mappings.create(conn, uuid, disk, now)
            action_repo.start_action(conn, uuid, Action.CREATE, request_id=self.ctx.request_id,
                                   user_id=self.ctx.user_id or self.spec.user_id,
                                   project_id=self.spec.project_id, now=now)
        api.cells.database(cell).write(cell_work)
        self.created = True

        def api_work(conn) -> bool:
            instance_mappings.point_at_cell(conn, uuid, cell.id)
            return build_requests.delete(conn, uuid)
        if not api.api_db.write(api_work):
            LOG.info("instance %s was deleted while being created in %s", uuid, cell.label)
            api.cells.database(cell).write(lambda conn: cell_repo.soft_delete(
                conn, uuid, utcnow(), {"vm_state": VmState.DELETED, "task_state": None}))
            _release(api, self.ctx, uuid)
            return "deleted"

        ComputeAPI(api.buses.require(cell)).build_and_run_instance(
            self.ctx, chosen.service_host, instance_uuid=uuid,
            request_spec=dict(self.spec.to_dict(), instance_uuid=uuid),
            selection=chosen, alternates=self.alternates).send()
        LOG.info("building %s on %s in %s", uuid, chosen.service_host, cell.label)
        return "building"

    def rollback(self, exc: Exception) -> None:
        _release(self.api, self.ctx, self.uuid)
        if not self.created:
            return
        db = self.api.cells.database(self.cell)
        message = f"Build of instance {self.uuid} failed: {type(exc).__name__}: {exc}"
        db.write(lambda conn: (
            cell_repo.update(conn, self.uuid, {"vm_state": VmState.ERROR, "task_state": None,
                                               "host": None, "node": None}, utcnow()),
            cell_repo.add_fault(conn, self.uuid, code=500, message=message, details=None,
                                host=None, now=utcnow())))

        def api_work(conn) -> None:
            instance_mappings.point_at_cell(conn, self.uuid, self.cell.id)
            build_requests.delete(conn, self.uuid)
        self.api.api_db.write(api_work)


def _release(api: ApiLevel, ctx: RequestContext, instance_uuid: str) -> None:
    try:
        api.placement.delete_allocations(instance_uuid, request_id=ctx.request_id)
    except Exception:  # noqa: BLE001
        LOG.exception("could not release the claim of %s", instance_uuid)
