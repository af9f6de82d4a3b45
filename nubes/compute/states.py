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
    PAUSED = "paused"
    RESIZED = "resized"
    SUSPENDED = "suspended"
    RESCUED = "rescued"
    SOFT_DELETED = "soft-delete"
    SHELVED = "shelved"
    SHELVED_OFFLOADED = "shelved_offloaded"


class TaskState:
    SCHEDULING = "scheduling"
    SPAWNING = "spawning"
    DELETING = "deleting"
    REBOOTING = "rebooting"
    REBOOTING_HARD = "rebooting_hard"
    POWERING_OFF = "powering-off"
    POWERING_ON = "powering-on"
    PAUSING = "pausing"
    UNPAUSING = "unpausing"
    SUSPENDING = "suspending"
    RESUMING = "resuming"
    RESCUING = "rescuing"
    UNRESCUING = "unrescuing"
    UPDATING_PASSWORD = "updating_password"
    SOFT_DELETING = "soft-deleting"
    RESTORING = "restoring"
    IMAGE_SNAPSHOT = "image_snapshot"
    IMAGE_BACKUP = "image_backup"
    IMAGE_PENDING_UPLOAD = "image_pending_upload"
    IMAGE_UPLOADING = "image_uploading"
    SHELVING = "shelving"
    SHELVING_OFFLOADING = "shelving_offloading"
    UNSHELVING = "unshelving"
    RESIZE_PREP = "resize_prep"
    RESIZE_MIGRATING = "resize_migrating"
    RESIZE_MIGRATED = "resize_migrated"
    RESIZE_FINISH = "resize_finish"
    RESIZE_REVERTING = "resize_reverting"
    MIGRATING = "migrating"
    REBUILDING = "rebuilding"               # set by the API
    REBUILD_SPAWNING = "rebuild_spawning"   # the host is re-creating the guest


class PowerState:
    NOSTATE = 0
    RUNNING = 1
    PAUSED = 3
    SHUTDOWN = 4
    CRASHED = 6
    SUSPENDED = 7


# Instance action names (``instance_actions.action``).
class Action:
    CREATE = "create"
    DELETE = "delete"
    REBOOT = "reboot"
    STOP = "stop"
    START = "start"
    PAUSE = "pause"
    UNPAUSE = "unpause"
    SUSPEND = "suspend"
    RESUME = "resume"
    RESCUE = "rescue"
    UNRESCUE = "unrescue"
    LOCK = "lock"
    UNLOCK = "unlock"
    RESET_STATE = "resetState"
    TRIGGER_CRASH_DUMP = "trigger_crash_dump"
    CHANGE_PASSWORD = "changePassword"
    RESTORE = "restore"
    FORCE_DELETE = "forceDelete"
    CREATE_IMAGE = "createImage"
    BACKUP = "createBackup"
    SHELVE = "shelve"
    SHELVE_OFFLOAD = "shelveOffload"
    UNSHELVE = "unshelve"
    RESIZE = "resize"
    MIGRATE = "migrate"
    CONFIRM_RESIZE = "confirmResize"
    REVERT_RESIZE = "revertResize"
    EVACUATE = "evacuate"
    LIVE_MIGRATION = "live-migration"
    REBUILD = "rebuild"


# Action event results.
SUCCESS = "Success"
ERROR = "Error"
