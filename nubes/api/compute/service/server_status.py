"""Server status: the API's one word for an instance's vm_state and
task_state, both ways (views show it; the ``status`` filter asks by it).

A vm_state has a default status; some task states override it (an active
server being rebooted is REBOOT).  Asking for a status lists every
vm_state that can show it, narrowed to the task states that do when the
status only appears through a task (REBOOT: vm_state active with a reboot
task).
"""
from __future__ import annotations

DEFAULT = "default"

_REBOOT = {t: "REBOOT" for t in ("rebooting", "reboot_pending", "reboot_started")}
_HARD_REBOOT = {t: "HARD_REBOOT" for t in ("rebooting_hard", "reboot_pending_hard",
                                          "reboot_started_hard")}
_REBUILD = {t: "REBUILD" for t in ("rebuilding", "rebuild_block_device_mapping",
                                    "rebuild_spawning")}
_RESIZE = {t: "RESIZE" for t in ("resize_prep", "resize_migrating", "resize_migrated",
                                  "resize_finish")}

# vm_state -> {task_state or DEFAULT: status}
STATE_MAP: dict[str, dict[str, str]] = {
    "active": {DEFAULT: "ACTIVE", **_REBOOT, **_HARD_REBOOT, **_REBUILD, **_RESIZE,
               "updating_password": "PASSWORD", "migrating": "MIGRATING"},
    "building": {DEFAULT: "BUILD"},
    "stopped": {DEFAULT: "SHUTOFF", **_RESIZE, **_REBUILD},
    "resized": {DEFAULT: "VERIFY_RESIZE", "resize_reverting": "REVERT_RESIZE"},
    "paused": {DEFAULT: "PAUSED", "migrating": "MIGRATING"},
    "suspended": {DEFAULT: "SUSPENDED"},
    "rescued": {DEFAULT: "RESCUE"},
    "error": {DEFAULT: "ERROR", **_REBUILD},
    "deleted": {DEFAULT: "DELETED"},
    "soft-delete": {DEFAULT: "SOFT_DELETED"},
    "shelved": {DEFAULT: "SHELVED"},
    "shelved_offloaded": {DEFAULT: "SHELVED_OFFLOADED"},
}
UNKNOWN = "UNKNOWN"
ALL_STATUSES = frozenset(s for tasks in STATE_MAP.values() for s in tasks.values()) | {UNKNOWN}

# Statuses whose servers show a progress percentage (ACTIVE included, as in
# the API reference's show and detail samples), and a fault.
PROGRESS_STATUSES = frozenset({"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE",
                               "MIGRATING"})
FAULT_STATUSES = frozenset({"ERROR", "DELETED"})


def status_of(vm_state: str | None, task_state: str | None) -> str:
    tasks = STATE_MAP.get(vm_state or "")
    if tasks is None:
        return UNKNOWN
    return tasks.get(task_state or DEFAULT, tasks[DEFAULT])


def states_for(statuses: list[str]) -> tuple[tuple[str, ...], tuple[str | None, ...] | None]:
    """(vm_states, task_states or None) whose servers show one of
    ``statuses`` (upper-case API words); empty vm_states when none does.
    ``task_states`` is None when some status shows without a task."""
    vm_states: list[str] = []
    task_states: list[str | None] = []
    any_task = False
    wanted = set(statuses)
    for vm_state, tasks in STATE_MAP.items():
        for task, status in tasks.items():
            if status not in wanted:
                continue
            if vm_state not in vm_states:
                vm_states.append(vm_state)
            if task == DEFAULT:
                any_task = True
            else:
                task_states.append(task)
    return tuple(vm_states), (None if any_task else tuple(task_states))
