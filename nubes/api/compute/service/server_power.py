"""Reboot, stop and start (``reboot``, ``os-stop``, ``os-start``).

Each checks the state, sets the task state and starts the action in one
cell transaction (the check is the update's condition, so two racing
requests cannot both pass), then casts to the instance's host.  404 for a
server that is gone, 409 when its state forbids the action.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells
from nubes.api.compute.state import ComputeState
from nubes.common.context import RequestContext
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, TaskState, VmState


@dataclasses.dataclass(frozen=True)
class _Power:
    verb: str                 # as the 409 message names it
    action: str               # the instance action recorded
    vm_states: tuple[str, ...]
    task_state: str
    cast: Callable[[ComputeAPI, RequestContext, str, str], object]


_ACTIONS = {
    "reboot_soft": _Power("reboot", Action.REBOOT, (VmState.ACTIVE,), TaskState.REBOOTING,
                          lambda api, ctx, host, uuid: api.reboot_instance(ctx, host, uuid,
                                                                           "SOFT")),
    "reboot_hard": _Power("reboot", Action.REBOOT,
                          (VmState.ACTIVE, VmState.STOPPED, VmState.ERROR),
                          TaskState.REBOOTING_HARD,
                          lambda api, ctx, host, uuid: api.reboot_instance(ctx, host, uuid,
                                                                           "HARD")),
    "stop": _Power("stop", Action.STOP, (VmState.ACTIVE, VmState.ERROR),
                   TaskState.POWERING_OFF,
                   lambda api, ctx, host, uuid: api.stop_instance(ctx, host, uuid)),
    "start": _Power("start", Action.START, (VmState.STOPPED,), TaskState.POWERING_ON,
                    lambda api, ctx, host, uuid: api.start_instance(ctx, host, uuid)),
}


def power_action(state: ComputeState, ctx: RequestContext, uuid: str, what: str) -> None:
    """``what``: reboot_soft, reboot_hard, stop or start."""
    if state.placement is None:
        raise exc.Unavailable("Server actions need placement ([placement_client] endpoint).")
    power = _ACTIONS[what]
    mapping = instance_cells.mapping_of(state, uuid)
    if mapping.cell_id is None:
        raise exc.Conflict(f"Cannot '{power.verb}' instance {uuid} while it is "
                           "in vm_state building")
    located = instance_cells.locate(state, mapping)
    instance = located.instance
    if instance is None or instance.deleted:
        raise instance_cells.not_found(uuid)
    if located.cell.is_cell0 or not instance.host:
        raise exc.Conflict(f"Cannot '{power.verb}' instance {uuid}: it has no host")
    if not instance_cells.start_task(state, ctx, located, {"task_state": power.task_state},
                                     power.action, task_states=[None],
                                     vm_states=power.vm_states):
        raise exc.Conflict(
            f"Cannot '{power.verb}' instance {uuid} while it is in vm_state "
            f"{instance.vm_state}, task_state {instance.task_state}")
    power.cast(ComputeAPI(state.buses.require(located.cell)), ctx, instance.host, uuid).send()
