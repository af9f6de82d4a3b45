"""Client side of the cell conductor (what compute agents call).

::

    conductor = CellConductorAPI(transport)
    service = conductor.service_register(ctx, host="c1", binary=COMPUTE_BINARY,
                                         topic=COMPUTE_TOPIC)
    service = conductor.service_report(ctx, service.id)       # liveness
    node = conductor.compute_node_sync(ctx, NodeReport(...))  # create/update

All are calls on the cell's bus; any conductor of the cell may answer.
They raise :class:`~nubes.common.rpc.MessagingTimeout` when no conductor
answers in time and the typed errors of :mod:`messages`.
"""
from __future__ import annotations

from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.conductor.cell.messages import (
    TOPIC,
    GuestData,
    InstanceRecord,
    MigrationRecord,
    NodeReport,
    RecordedNode,
    RegisteredService,
)

VERSION = "1.0"


class CellConductorAPI:
    def __init__(self, transport: rpc.Transport, *, timeout: float | None = None):
        self._client = rpc.RPCClient(transport, rpc.Target(TOPIC), timeout=timeout,
                                     version=VERSION)

    def service_register(self, ctx: RequestContext | None, *, host: str, binary: str,
                         topic: str, version: int = 0,
                         timeout: float | None = None) -> RegisteredService:
        data = self._client.call(ctx, "service_register", timeout=timeout, host=host,
                                  binary=binary, topic=topic, version=version)
        return RegisteredService.from_wire(data)

    def service_report(self, ctx: RequestContext | None, service_id: int, *,
                       timeout: float | None = None) -> RegisteredService:
        data = self._client.call(ctx, "service_report", timeout=timeout,
                                 service_id=service_id)
        return RegisteredService.from_wire(data)

    def compute_node_sync(self, ctx: RequestContext | None, node: NodeReport, *,
                          timeout: float | None = None) -> RecordedNode:
        data = self._client.call(ctx, "compute_node_sync", timeout=timeout, node=node)
        return RecordedNode.from_wire(data)

    # --- instances (added with the build, delete and power flows) ----------------
    # Calls the compute agents make to write their instances' rows; the
    # action events land on the action of ``ctx``'s request.

    def instance_update(self, ctx: RequestContext | None, instance_uuid: str,
                        values: dict, *, expected_task_state: list | None = None,
                        expected_vm_state: list | None = None,
                        fault: dict | None = None,
                        timeout: float | None = None) -> InstanceRecord:
        """Raises :class:`InstanceNotFound` (deleted) or
        :class:`UnexpectedTaskState` (not in an expected state).  ``fault``
        ({code, message, details?, host?}) is recorded with the update, in
        one transaction; build it with :func:`messages.fault`."""
        extra = {} if fault is None else {"fault": fault}
        data = self._client.call(ctx, "instance_update", timeout=timeout,
                                 instance_uuid=instance_uuid, values=values,
                                 expect=_expect(expected_task_state, expected_vm_state),
                                 **extra)
        return InstanceRecord.from_wire(data)

    def instance_update_with_event(self, ctx: RequestContext | None, instance_uuid: str,
                                   values: dict, *, event: str, phase: str,
                                   host: str | None = None, finish_action: bool = False,
                                   expected_task_state: list | None = None,
                                   expected_vm_state: list | None = None,
                                   timeout: float | None = None) -> None:
        """One round trip and one transaction for a step of an operation:
        the update plus the start (``phase="start"``) or the successful
        finish (``phase="finish"``) of ``event``.  When the instance is not
        in an expected state nothing is updated, the event is finished
        with that error, and :class:`InstanceNotFound` or
        :class:`UnexpectedTaskState` is raised."""
        self._client.call(ctx, "instance_update_with_event", timeout=timeout,
                          instance_uuid=instance_uuid, values=values, event=event,
                          phase=phase, host=host, finish_action=finish_action,
                          expect=_expect(expected_task_state, expected_vm_state))

    def instance_get(self, ctx: RequestContext | None, instance_uuid: str, *,
                     timeout: float | None = None) -> InstanceRecord:
        return InstanceRecord.from_wire(self._client.call(
            ctx, "instance_get", timeout=timeout, instance_uuid=instance_uuid))

    def instance_guest_data(self, ctx: RequestContext | None, instance_uuid: str, *,
                            timeout: float | None = None) -> GuestData:
        """What a guest is told about itself (config drive)."""
        return GuestData.from_wire(self._client.call(
            ctx, "instance_guest_data", timeout=timeout, instance_uuid=instance_uuid))

    def migration_get(self, ctx: RequestContext | None, uuid: str, *,
                      timeout: float | None = None) -> MigrationRecord:
        return MigrationRecord.from_wire(self._client.call(ctx, "migration_get",
                                                           timeout=timeout, uuid=uuid))

    def migration_update(self, ctx: RequestContext | None, uuid: str, values: dict, *,
                         expected_status: list[str] | None = None,
                         instance_values: dict | None = None,
                         expected_vm_state: list[str] | None = None,
                         timeout: float | None = None) -> MigrationRecord:
        """Raises :class:`MigrationNotFound` when it is gone or not in an
        ``expected_status``.  ``instance_values``: the migration's instance
        updated in the same transaction (if its vm_state is one of
        ``expected_vm_state``; else :class:`InstanceNotFound` or
        :class:`UnexpectedTaskState` after the migration's change is
        committed)."""
        extra = {} if instance_values is None else {"instance": {
            "values": instance_values, "expected_vm_state": expected_vm_state}}
        return MigrationRecord.from_wire(self._client.call(
            ctx, "migration_update", timeout=timeout, uuid=uuid, values=values,
            expected_status=expected_status, **extra))

    def migrations_unconfirmed(self, ctx: RequestContext | None, host: str,
                               older_than: float, *, limit: int = 50,
                               timeout: float | None = None) -> list[MigrationRecord]:
        return [MigrationRecord.from_wire(m) for m in self._client.call(
            ctx, "migrations_unconfirmed", timeout=timeout, host=host,
            older_than=older_than, limit=limit)]

    def migration_cold_in_progress(self, ctx: RequestContext | None, instance_uuid: str,
                                   host: str, *,
                                   timeout: float | None = None) -> MigrationRecord | None:
        """The instance's resize or cold migration away from ``host`` that
        has not reached its destination (pre-migrating, migrating), if any."""
        data = self._client.call(ctx, "migration_cold_in_progress", timeout=timeout,
                                 instance_uuid=instance_uuid, host=host)
        return None if data is None else MigrationRecord.from_wire(data)

    def migrations_evacuated_from(self, ctx: RequestContext | None, host: str, *,
                                  limit: int = 100,
                                  timeout: float | None = None) -> list[MigrationRecord]:
        """Evacuations away from ``host`` not yet cleaned up after there."""
        return [MigrationRecord.from_wire(m) for m in self._client.call(
            ctx, "migrations_evacuated_from", timeout=timeout, host=host, limit=limit)]

    def migrations_in_flight(self, ctx: RequestContext | None, host: str, *,
                             after_id: int = 0, limit: int = 100,
                             timeout: float | None = None
                             ) -> list[tuple[int, MigrationRecord]]:
        """A page of the moves within the cell from or to ``host`` in the
        middle of a host's step (post-migrating, reverting, confirming,
        running), after row ``after_id``: what a host that stopped picks up
        again when it starts, each with its row id (the next page's
        ``after_id``)."""
        return [(m["id"], MigrationRecord.from_wire(m)) for m in self._client.call(
            ctx, "migrations_in_flight", timeout=timeout, host=host, limit=limit,
            after_id=after_id)]

    def instances_on_host(self, ctx: RequestContext | None, host: str, *,
                          after_id: int = 0, limit: int = 200,
                          timeout: float | None = None) -> list[tuple[int, InstanceRecord]]:
        """A page of the host's live instances after ``after_id``:
        (id, record) pairs by id."""
        return [(r["id"], InstanceRecord.from_wire(r)) for r in self._client.call(
            ctx, "instances_on_host", timeout=timeout, host=host, after_id=after_id,
            limit=limit)]

    def instances_idle_in_state(self, ctx: RequestContext | None, host: str,
                                vm_state: str, older_than: float, *, limit: int = 100,
                                timeout: float | None = None) -> list[str]:
        """Uuids of ``host``'s instances in ``vm_state``, with no task,
        unchanged for ``older_than`` seconds."""
        return self._client.call(ctx, "instances_idle_in_state", timeout=timeout, host=host,
                                 vm_state=vm_state, older_than=older_than, limit=limit)

    def instance_destroy(self, ctx: RequestContext | None, instance_uuid: str,
                         values: dict | None = None, *,
                         timeout: float | None = None) -> InstanceRecord | None:
        data = self._client.call(ctx, "instance_destroy", timeout=timeout,
                                 instance_uuid=instance_uuid, values=values or {})
        return None if data is None else InstanceRecord.from_wire(data)

    def instance_fault_create(self, ctx: RequestContext | None, instance_uuid: str, *,
                              code: int, message: str, details: str | None = None,
                              host: str | None = None, timeout: float | None = None) -> None:
        self._client.call(ctx, "instance_fault_create", timeout=timeout,
                          instance_uuid=instance_uuid, code=code, message=message,
                          details=details, host=host)

    def action_event_start(self, ctx: RequestContext | None, instance_uuid: str,
                           event: str, *, host: str | None = None,
                           timeout: float | None = None) -> bool:
        return self._client.call(ctx, "action_event_start", timeout=timeout,
                                 instance_uuid=instance_uuid, event=event, host=host)

    def action_event_finish(self, ctx: RequestContext | None, instance_uuid: str,
                            event: str, *, host: str | None = None,
                            error: str | None = None, finish_action: bool = False,
                            timeout: float | None = None) -> bool:
        return self._client.call(ctx, "action_event_finish", timeout=timeout,
                                 instance_uuid=instance_uuid, event=event, host=host,
                                 error=error, finish_action=finish_action)

    # --- block device mappings (nubes.conductor.cell.block_devices) -------------------

    def bdm_list(self, ctx: RequestContext | None, instance_uuid: str, *,
                 timeout: float | None = None) -> list[dict]:
        """The instance's live mappings (dicts of the row's columns)."""
        return self._client.call(ctx, "bdm_list", timeout=timeout,
                                 instance_uuid=instance_uuid)

    def bdm_get(self, ctx: RequestContext | None, bdm_uuid: str, *,
                timeout: float | None = None) -> dict | None:
        return self._client.call(ctx, "bdm_get", timeout=timeout, bdm_uuid=bdm_uuid)

    def bdm_update(self, ctx: RequestContext | None, bdm_uuid: str, values: dict, *,
                   timeout: float | None = None) -> bool:
        """Record ``volume_id``, ``attachment_id``, ``connection_info``,
        ``device_name`` or ``volume_size``; False when the mapping is gone."""
        return self._client.call(ctx, "bdm_update", timeout=timeout, bdm_uuid=bdm_uuid,
                                 values=values)

    def bdm_destroy(self, ctx: RequestContext | None, bdm_uuid: str, *,
                    finish_event: dict | None = None, timeout: float | None = None) -> bool:
        """False when the mapping was gone already.  ``finish_event``
        ({instance_uuid, event, host}, see :func:`messages.event_done`):
        that event, and its action, finished with success in the same
        transaction when the mapping was there."""
        extra = {} if finish_event is None else {"finish_event": finish_event}
        return self._client.call(ctx, "bdm_destroy", timeout=timeout, bdm_uuid=bdm_uuid,
                                 **extra)

    def bdm_destroy_all(self, ctx: RequestContext | None, instance_uuid: str, *,
                        timeout: float | None = None) -> int:
        return self._client.call(ctx, "bdm_destroy_all", timeout=timeout,
                                 instance_uuid=instance_uuid)

    def build_instances(self, ctx: RequestContext | None, *, instance_uuid: str,
                        request_spec: dict, alternates: list[dict], attempt: int,
                        failed_host: str | None = None, reason: str | None = None) -> None:
        """Reschedule a build that failed on ``failed_host`` (a cast): the
        cell conductor claims the first alternate that still has room and
        casts the build there, or puts the instance in ERROR."""
        self._client.cast(ctx, "build_instances", instance_uuid=instance_uuid,
                          request_spec=request_spec, alternates=alternates,
                          attempt=attempt, failed_host=failed_host, reason=reason)


def _expect(task_states: list | None, vm_states: list | None) -> dict:
    expect = {}
    if task_states is not None:
        expect["task_state"] = list(task_states)
    if vm_states is not None:
        expect["vm_state"] = list(vm_states)
    return expect
