"""Reboot, stop and start from the API level: the entry points the compute
API's server actions call (``reboot``, ``os-stop``, ``os-start``)::

    from nubes.conductor.tasks import power
    power.reboot_server(api_level, ctx, server_id, hard=False)
    power.stop_server(api_level, ctx, server_id)
    power.start_server(api_level, ctx, server_id)

Each checks the state, sets the task state and starts the action in one
cell transaction (the check is the update's condition, so two racing
requests cannot both pass), then casts to the instance's host.  Raises
:class:`InstanceNotFound` (404) or :class:`InstanceInvalidState` (409).
"""
from __future__ import annotations

from typing import Callable

from nubes.cells.repo import instance_writes as cell_repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.states import Action, TaskState, VmState
from nubes.conductor.messages import InstanceInvalidState, InstanceNotFound
from nubes.conductor.tasks.api_cells import locate, mapping_of
from nubes.conductor.tasks.context import ApiLevel


def reboot_server(api: ApiLevel, ctx: RequestContext, instance_uuid: str, *,
                  hard: bool = False) -> None:
    vm_states = [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR] if hard else [VmState.ACTIVE]
    task = TaskState.REBOOTING_HARD if hard else TaskState.REBOOTING
    _request(api, ctx, instance_uuid, "reboot", Action.REBOOT, vm_states, task,
             lambda compute, host: compute.reboot_instance(
                 ctx, host, instance_uuid, "HARD" if hard else "SOFT"))


def stop_server(api: ApiLevel, ctx: RequestContext, instance_uuid: str) -> None:
    _request(api, ctx, instance_uuid, "stop", Action.STOP, [VmState.ACTIVE, VmState.ERROR],
             TaskState.POWERING_OFF,
             lambda compute, host: compute.stop_instance(ctx, host, instance_uuid))


def start_server(api: ApiLevel, ctx: RequestContext, instance_uuid: str) -> None:
    _request(api, ctx, instance_uuid, "start", Action.START, [VmState.STOPPED],
             TaskState.POWERING_ON,
             lambda compute, host: compute.start_instance(ctx, host, instance_uuid))


def _request(api: ApiLevel, ctx: RequestContext, instance_uuid: str, verb: str,
             action: str, vm_states: list[str], task_state: str,
             message: Callable) -> None:
    mapping = mapping_of(api, instance_uuid)
    if mapping.cell_id is None:
        raise InstanceInvalidState(f"Cannot '{verb}' instance {instance_uuid} while it is "
                                   "in vm_state building")
    located = locate(api, mapping)
    instance = located.instance
    if instance is None or instance.deleted:
        raise InstanceNotFound(f"Instance {instance_uuid} could not be found.")
    if located.cell.is_cell0 or not instance.host:
        raise InstanceInvalidState(f"Cannot '{verb}' instance {instance_uuid}: it has no host")

    def work(conn) -> bool:
        now = utcnow()
        if not cell_repo.update(conn, instance_uuid, {"task_state": task_state}, now,
                                task_states=[None], vm_states=vm_states):
            return False
        cell_repo.start_action(conn, instance_uuid, action, request_id=ctx.request_id,
                               user_id=ctx.user_id, project_id=instance.project_id, now=now)
        return True
    if not api.cell_db(located.cell).write(work):
        raise InstanceInvalidState(
            f"Cannot '{verb}' instance {instance_uuid} while it is in vm_state "
            f"{instance.vm_state}, task_state {instance.task_state}")
    message(api.buses.compute(located.cell), instance.host).send()
