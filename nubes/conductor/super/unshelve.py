"""The super-conductor's unshelve of an offloaded server: schedule it again
within its own cell, claim, and hand it to the chosen host.

The API set task_state ``unshelving`` and started the ``unshelve`` action.
Here, as the event ``schedule_instances`` of that action:

1. the server's request spec (API database) is narrowed to its cell, to the
   requested host (2.91, admin) and to the requested availability zone
   (2.77; ``None`` from 2.91 unpins it, and the spec keeps the choice);
2. the scheduler selects and claims one destination (no alternates);
3. ``unshelve_instance`` is cast to that host on the cell's bus.

No valid host (or any failure): the claim is released, the task cleared
(the server stays SHELVED_OFFLOADED), a fault written and the event
finished with Error.
"""
from __future__ import annotations

import dataclasses
import logging
import traceback

from nubes.cells.repo import instance_actions as action_repo
from nubes.cells.repo import instance_mappings, instance_metadata, request_specs
from nubes.cells.repo import instances as cell_repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import ERROR, SUCCESS, TaskState
from nubes.conductor.super.api_level import ApiLevel
from nubes.conductor.super.migrate import current_flavor
from nubes.conductor.task import Task
from nubes.scheduler.messages import Destination, RequestSpec
from nubes.scheduler.rpcapi import SchedulerAPI

LOG = logging.getLogger(__name__)
EVENT = "schedule_instances"
KEEP = "keep"          # availability_zone: as the spec has it
SHELVED_IMAGE_KEY = "shelved_image_id"   # system metadata: the shelve's snapshot


class UnshelveOffloaded(Task):
    def __init__(self, api: ApiLevel, scheduler: SchedulerAPI, ctx: RequestContext,
                 instance_uuid: str, *, availability_zone: str | None = KEEP,
                 host: str | None = None):
        self.api, self.scheduler, self.ctx = api, scheduler, ctx
        self.uuid = instance_uuid
        self.zone, self.host = availability_zone, host
        self._cell = None
        self._claimed = False

    def _execute(self) -> str:
        api, uuid = self.api, self.uuid
        mapping = api.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
        if mapping is None or mapping.cell_id is None:
            LOG.warning("unshelve of %s: it has no cell", uuid)
            return "gone"
        self._cell = cell = api.cells.by_id(mapping.cell_id)
        self._event_start()
        stored = api.api_db.read(lambda conn: request_specs.get(conn, uuid))
        if stored is None:
            raise LookupError(f"no request spec for {uuid}")
        spec = RequestSpec.from_dict(stored)
        if self.zone != KEEP:
            spec.availability_zone = self.zone
        instance = api.cells.database(cell).read(lambda conn: cell_repo.get(conn, uuid))
        spec = dataclasses.replace(
            spec, flavor=current_flavor(instance or {}, spec), num_instances=1,
            ignore_hosts=[], instance_uuid=uuid,
            requested_destination=Destination(host=self.host, cell_uuid=cell.uuid))
        self._claimed = True     # a failed or timed-out call may have claimed too
        chosen = self.scheduler.select_destinations(self.ctx, spec, [uuid],
                                                    return_alternates=False)[0][0]
        if self.zone != KEEP:
            stored["availability_zone"] = self.zone
            api.api_db.write(lambda conn: request_specs.update(conn, uuid, stored))
        self._event_finish(None)
        image_id = api.cells.database(cell).read(lambda conn: instance_metadata.get_all(
            conn, uuid, system=True)).get(SHELVED_IMAGE_KEY)
        ComputeAPI(api.buses.require(cell)).unshelve_instance(
            self.ctx, chosen.service_host, uuid, selection=chosen, image_id=image_id).send()
        LOG.info("unshelving %s on %s in %s", uuid, chosen.service_host, cell.label)
        return "unshelving"

    def rollback(self, exc: Exception) -> None:
        if self._claimed:
            try:
                self.api.placement.delete_allocations(self.uuid,
                                                      request_id=self.ctx.request_id)
            except Exception:  # noqa: BLE001
                LOG.exception("could not release the claim of %s", self.uuid)
        if self._cell is None:
            return
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()

        def work(conn) -> None:
            now = utcnow()
            if cell_repo.update(conn, self.uuid, {"task_state": None}, now,
                                task_states=[TaskState.UNSHELVING]):
                cell_repo.add_fault(conn, self.uuid, code=500, message=text[:255],
                                    details=None, host=None, now=now)
            self._finish_in(conn, text, now)
        self.api.cells.database(self._cell).write(work)

    def _event_start(self) -> None:
        def work(conn) -> None:
            action_id = action_repo.find_action(conn, self.uuid, self.ctx.request_id)
            if action_id is not None:
                action_repo.start_event(conn, action_id, EVENT, host=None, now=utcnow())
        self.api.cells.database(self._cell).write(work)

    def _event_finish(self, error: str | None) -> None:
        self.api.cells.database(self._cell).write(
            lambda conn: self._finish_in(conn, error, utcnow()))

    def _finish_in(self, conn, error: str | None, now) -> None:
        action_id = action_repo.find_action(conn, self.uuid, self.ctx.request_id)
        if action_id is None:
            return
        action_repo.finish_event(conn, action_id, EVENT,
                                 result=ERROR if error else SUCCESS, traceback=error,
                                 host=None, now=now)
        if error:
            action_repo.finish_action(conn, action_id, now, failed=True)
