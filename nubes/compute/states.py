"""Instance states, as the cell databases store them and the API maps them
to a server status (``nubes.api.compute.service.server_status``).

A leaf module: the compute agents, the conductors and the API all import it.
"""
from __future__ import annotations


class VmState:
    BUILDING = "building"
    ACTIVE = "active"
    STOPPED = "stopped"
    ERROR = "error"
    DELETED = "deleted"


class TaskState:
    SCHEDULING = "scheduling"
    SPAWNING = "spawning"
    DELETING = "deleting"
    REBOOTING = "rebooting"
    REBOOTING_HARD = "rebooting_hard"
    POWERING_OFF = "powering-off"
    POWERING_ON = "powering-on"


class PowerState:
    NOSTATE = 0
    RUNNING = 1
    SHUTDOWN = 4


# Instance action names (``instance_actions.action``).
class Action:
    CREATE = "create"
    DELETE = "delete"
    REBOOT = "reboot"
    STOP = "stop"
    START = "start"


# Action event results.
SUCCESS = "Success"
ERROR = "Error"
