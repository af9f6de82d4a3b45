"""The cell conductor's reschedule of a failed build onto an alternate.

A compute whose spawn failed released its own claim and cast
``build_instances`` here with the alternates it was given (unclaimed
selections from this cell).  For each alternate in order: claim its
allocation request for the instance (``PUT /allocations/{instance}`` with
consumer generation null; a 409 -- no room any more, or someone else's
allocations -- moves on to the next), point the instance at that host
(task_state scheduling) and cast the build there with the alternates that
are left.  With none left (or ``[scheduler] max_attempts`` reached) the
instance goes to ERROR with a ``MaxRetriesExceeded`` fault and holds no
allocation.

Everything stays inside the cell: its database, its bus, placement.
"""
from __future__ import annotations

import json
import logging

from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import TaskState, VmState
from nubes.conductor.cell import instances
from nubes.conductor.cell.messages import InstanceNotFound, UnexpectedTaskState, fault
from nubes.conductor.task import Task
from nubes.placement.client import PlacementClient
from nubes.scheduler.messages import RequestSpec, Selection

LOG = logging.getLogger(__name__)
EVENT = "conductor_build_instances"
FAULT_CODE = 500


def max_retries_message(instance_uuid: str) -> str:
    return ("Exceeded maximum number of retries. Exhausted all hosts available for "
            f"retrying build failures for instance {instance_uuid}.")


class Reschedule(Task):
    def __init__(self, db: Database, placement: PlacementClient, compute: ComputeAPI,
                 ctx: RequestContext, *, instance_uuid: str, request_spec: dict,
                 alternates: list[Selection], attempt: int, max_attempts: int,
                 reason: str | None = None):
        self.db = db
        self.placement = placement
        self.compute = compute
        self.ctx = ctx
        self.uuid = instance_uuid
        self.spec = RequestSpec.from_dict(request_spec)
        self.request_spec = request_spec
        self.alternates = list(alternates)
        self.attempt = attempt
        self.max_attempts = max_attempts
        self.reason = reason
        self._claimed = False

    def _execute(self) -> str:
        """``rescheduled``, ``error`` or ``gone`` (deleted meanwhile)."""
        try:
            instance = instances.get(self.db, self.uuid)
        except InstanceNotFound:
            return "gone"
        if instance.deleted or instance.task_state == TaskState.DELETING:
            return "gone"
        remaining = list(self.alternates)
        while remaining and self.attempt < self.max_attempts:
            alternate = remaining.pop(0)
            if not self._claim(alternate):
                continue
            try:
                instances.update(
                    self.db, self.uuid,
                    {"task_state": TaskState.SCHEDULING, "host": alternate.service_host,
                     "node": alternate.nodename,
                     **({"availability_zone": alternate.availability_zone}
                        if alternate.availability_zone else {})},
                    expected_vm_state=[VmState.BUILDING],
                    expected_task_state=[TaskState.SCHEDULING, TaskState.SPAWNING, None])
            except (InstanceNotFound, UnexpectedTaskState) as exc:
                LOG.info("not rescheduling %s: %s", self.uuid, exc)
                self._release()
                return "gone"
            self.compute.build_and_run_instance(
                self.ctx, alternate.service_host, instance_uuid=self.uuid,
                request_spec=self.request_spec, selection=alternate, alternates=remaining,
                attempt=self.attempt + 1).send()
            LOG.info("rescheduled %s to %s (attempt %d)", self.uuid, alternate.service_host,
                     self.attempt + 1)
            return "rescheduled"
        self._fail(max_retries_message(self.uuid))
        return "error"

    def _claim(self, alternate: Selection) -> bool:
        request = json.loads(alternate.allocation_request)
        result = self.placement.claim(
            self.uuid, request["allocations"], self.spec.project_id, self.spec.user_id,
            consumer_generation=None, mappings=request.get("mappings"),
            request_id=self.ctx.request_id)
        if not result.claimed:
            LOG.info("alternate %s refused %s (%s): %s", alternate.service_host, self.uuid,
                     result.outcome, result.detail)
            return False
        self._claimed = True
        return True

    def _release(self) -> None:
        try:
            self.placement.delete_allocations(self.uuid, request_id=self.ctx.request_id)
        except Exception:  # noqa: BLE001
            LOG.exception("could not release the claim of %s", self.uuid)
        self._claimed = False

    def _fail(self, message: str) -> None:
        LOG.warning("build of %s failed for good: %s (last error: %s)", self.uuid, message,
                    self.reason)
        try:
            instances.update(self.db, self.uuid,
                             {"vm_state": VmState.ERROR, "task_state": None,
                              "host": None, "node": None},
                             expected_vm_state=[VmState.BUILDING],
                             fault=fault(FAULT_CODE, message, details=self.reason))
        except (InstanceNotFound, UnexpectedTaskState) as exc:
            LOG.info("not failing %s: %s", self.uuid, exc)
            return
        instances.event_start(self.db, self.ctx, self.uuid, EVENT, host=None)
        instances.event_finish(self.db, self.ctx, self.uuid, EVENT, host=None,
                                      error=self.reason or message)

    def rollback(self, exc: Exception) -> None:
        if self._claimed:
            self._release()
        self._fail(f"Build of instance {self.uuid} failed while rescheduling: "
                   f"{type(exc).__name__}: {exc}")
