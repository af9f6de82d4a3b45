"""The cell conductor's RPC endpoint (topic ``conductor`` on a cell's bus).

Methods are called by the cell's compute agents; each is one short
transaction on the cell database and answers with the record it wrote.
"""
from __future__ import annotations

import threading
from typing import Any

from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database
from nubes.compute.rpcapi import ComputeAPI
from nubes.conductor.cell import block_devices, compute_nodes, instances, migrations, services
from nubes.conductor.cell.messages import NodeReport
from nubes.conductor.cell.reschedule import Reschedule
from nubes.placement.client import PlacementClient
from nubes.scheduler.messages import Selection


class CellConductorEndpoint:
    RPC_API_VERSION = "1.0"

    def __init__(self, db: Database, *, conf: Any = None,
                 transport: rpc.Transport | None = None,
                 placement: PlacementClient | None = None):
        self._db = db
        # For reschedules: the cell's bus (to cast builds to computes) and
        # placement (to claim alternates), made on first use.
        self._conf = conf
        self._transport = transport
        self._placement = placement
        self._placement_lock = threading.Lock()

    def service_register(self, ctx: RequestContext, *, host: str, binary: str,
                         topic: str, version: int = 0) -> Any:
        return services.register(self._db, host=host, binary=binary,
                                        topic=topic, version=version)

    def service_report(self, ctx: RequestContext, *, service_id: int) -> Any:
        return services.report_alive(self._db, service_id)

    def compute_node_sync(self, ctx: RequestContext, *, node: dict) -> Any:
        return compute_nodes.sync(self._db, NodeReport.from_wire(node))

    # --- instances -------------------------------------------------------------

    def instance_get(self, ctx: RequestContext, *, instance_uuid: str) -> Any:
        return instances.get(self._db, instance_uuid)

    def instance_guest_data(self, ctx: RequestContext, *, instance_uuid: str) -> Any:
        return instances.guest_data(self._db, instance_uuid)

    def migration_get(self, ctx: RequestContext, *, uuid: str) -> Any:
        return migrations.get(self._db, uuid)

    def migration_update(self, ctx: RequestContext, *, uuid: str, values: dict,
                         expected_status: list[str] | None = None,
                         instance: dict | None = None) -> Any:
        return migrations.update(self._db, uuid, values, expected_status, instance=instance)

    def migrations_unconfirmed(self, ctx: RequestContext, *, host: str, older_than: float,
                               limit: int = 50) -> list:
        return migrations.unconfirmed(self._db, host, older_than, min(limit, 1000))

    def migration_cold_in_progress(self, ctx: RequestContext, *, instance_uuid: str,
                                   host: str) -> Any:
        return migrations.cold_in_progress_from(self._db, instance_uuid, host)

    def migrations_evacuated_from(self, ctx: RequestContext, *, host: str,
                                  limit: int = 100) -> list:
        return migrations.evacuated_from(self._db, host, min(limit, 1000))

    def migrations_in_flight(self, ctx: RequestContext, *, host: str,
                             limit: int = 100, after_id: int = 0) -> list:
        return migrations.in_flight_at(self._db, host, min(limit, 1000), after_id)

    def instances_on_host(self, ctx: RequestContext, *, host: str, after_id: int = 0,
                          limit: int = 200) -> list:
        return instances.on_host(self._db, host, after_id, min(limit, 1000))

    def instances_idle_in_state(self, ctx: RequestContext, *, host: str, vm_state: str,
                                older_than: float, limit: int = 100) -> list[str]:
        return instances.idle_in_state(self._db, host, vm_state, older_than,
                                       min(limit, 1000))

    def instance_update(self, ctx: RequestContext, *, instance_uuid: str, values: dict,
                        expect: dict | None = None, fault: dict | None = None) -> Any:
        return instances.update(self._db, instance_uuid, values, fault=fault,
                                **_expectations(expect))

    def instance_update_with_event(self, ctx: RequestContext, *, instance_uuid: str,
                                   values: dict, event: str, phase: str,
                                   host: str | None = None, finish_action: bool = False,
                                   expect: dict | None = None) -> None:
        instances.update_with_event(
            self._db, ctx, instance_uuid, values, event=event, phase=phase, host=host,
            finish_action=finish_action, **_expectations(expect))

    def instance_destroy(self, ctx: RequestContext, *, instance_uuid: str,
                         values: dict | None = None) -> Any:
        return instances.destroy(self._db, instance_uuid, values)

    def instance_fault_create(self, ctx: RequestContext, *, instance_uuid: str, code: int,
                              message: str, details: str | None = None,
                              host: str | None = None) -> None:
        instances.add_fault(self._db, instance_uuid, code=code, message=message,
                                   details=details, host=host)

    def action_event_start(self, ctx: RequestContext, *, instance_uuid: str, event: str,
                           host: str | None = None) -> bool:
        return instances.event_start(self._db, ctx, instance_uuid, event, host=host)

    def action_event_finish(self, ctx: RequestContext, *, instance_uuid: str, event: str,
                            host: str | None = None, error: str | None = None,
                            finish_action: bool = False) -> bool:
        return instances.event_finish(self._db, ctx, instance_uuid, event, host=host,
                                             error=error, finish_action=finish_action)

    # --- block device mappings (volume attach, detach, boot from volume) ------------

    def bdm_list(self, ctx: RequestContext, *, instance_uuid: str) -> list:
        return block_devices.of_instance(self._db, instance_uuid)

    def bdm_get(self, ctx: RequestContext, *, bdm_uuid: str) -> Any:
        return block_devices.get(self._db, bdm_uuid)

    def bdm_update(self, ctx: RequestContext, *, bdm_uuid: str, values: dict) -> bool:
        return block_devices.update(self._db, bdm_uuid, values)

    def bdm_destroy(self, ctx: RequestContext, *, bdm_uuid: str,
                    finish_event: dict | None = None) -> bool:
        return block_devices.destroy(self._db, bdm_uuid, _event_finisher(ctx, finish_event))

    def bdm_destroy_all(self, ctx: RequestContext, *, instance_uuid: str) -> int:
        return block_devices.destroy_all(self._db, instance_uuid)

    def build_instances(self, ctx: RequestContext, *, instance_uuid: str,
                        request_spec: dict, alternates: list[dict], attempt: int,
                        failed_host: str | None = None, reason: str | None = None) -> str:
        """Reschedule a failed build onto the next alternate (a cast)."""
        max_attempts = self._conf.scheduler.max_attempts if self._conf is not None else 3
        return Reschedule(self._db, self._placement_client(), ComputeAPI(self._transport),
                          ctx, instance_uuid=instance_uuid, request_spec=request_spec,
                          alternates=[Selection.from_dict(a) for a in alternates],
                          attempt=attempt, max_attempts=max_attempts,
                          reason=reason).execute()

    def _placement_client(self) -> PlacementClient:
        with self._placement_lock:
            if self._placement is None:
                self._placement = PlacementClient.from_conf(self._conf)
            return self._placement


def _expectations(expect: dict | None) -> dict[str, Any]:
    """The wire form of expected states -> keyword arguments."""
    expect = expect or {}
    kwargs = {}
    if "task_state" in expect:
        kwargs["expected_task_state"] = expect["task_state"]
    if "vm_state" in expect:
        kwargs["expected_vm_state"] = expect["vm_state"]
    return kwargs


def _event_finisher(ctx: RequestContext, finish: dict | None):
    """``finish`` ({instance_uuid, event, host}) as what a mapping's write
    runs in its transaction: the event finished with success, and its action."""
    if finish is None:
        return None
    return lambda conn: instances.finish_event_in(
        conn, ctx, finish["instance_uuid"], finish["event"], host=finish.get("host"),
        finish_action=True)
