"""Policy rules for server actions beyond reboot/stop/start (OpenStack
compute's names and defaults): a member of the server's project, or an
admin, except where the rule says admin."""
from nubes.api.compute.policies import base
from nubes.api.compute.policies.servers import PROJECT_MEMBER_OR_ADMIN

_ACTION = "POST /servers/{server_id}/action (%s)"

PAUSE = "os_compute_api:os-pause-server:pause"
UNPAUSE = "os_compute_api:os-pause-server:unpause"
SUSPEND = "os_compute_api:os-suspend-server:suspend"
RESUME = "os_compute_api:os-suspend-server:resume"
LOCK = "os_compute_api:os-lock-server:lock"
UNLOCK = "os_compute_api:os-lock-server:unlock"
UNLOCK_OVERRIDE = "os_compute_api:os-lock-server:unlock:unlock_override"
RESCUE = "os_compute_api:os-rescue"
UNRESCUE = "os_compute_api:os-unrescue"
CONSOLE_OUTPUT = "os_compute_api:os-console-output"
RESET_STATE = "os_compute_api:os-admin-actions:reset_state"
INJECT_NETWORK_INFO = "os_compute_api:os-admin-actions:inject_network_info"
RESET_NETWORK = "os_compute_api:os-admin-actions:reset_network"
CRASH_DUMP = "os_compute_api:servers:trigger_crash_dump"
CHANGE_PASSWORD = "os_compute_api:os-admin-password"
DIAGNOSTICS = "os_compute_api:os-server-diagnostics"
RESTORE = "os_compute_api:os-deferred-delete:restore"
FORCE_DELETE = "os_compute_api:os-deferred-delete:force"
CREATE_IMAGE = "os_compute_api:servers:create_image"
CREATE_BACKUP = "os_compute_api:os-create-backup"
RESIZE = "os_compute_api:servers:resize"
CONFIRM_RESIZE = "os_compute_api:servers:confirm_resize"
REVERT_RESIZE = "os_compute_api:servers:revert_resize"
MIGRATE = "os_compute_api:os-migrate-server:migrate"
MIGRATE_HOST = "os_compute_api:os-migrate-server:migrate:host"
CROSS_CELL = "compute:servers:resize:cross_cell"
EVACUATE = "os_compute_api:os-evacuate"
MIGRATE_LIVE = "os_compute_api:os-migrate-server:migrate_live"
SHELVE = "os_compute_api:os-shelve:shelve"
SHELVE_OFFLOAD = "os_compute_api:os-shelve:shelve_offload"
UNSHELVE = "os_compute_api:os-shelve:unshelve"
UNSHELVE_TO_HOST = "os_compute_api:os-shelve:unshelve_to_host"
REBUILD = "os_compute_api:servers:rebuild"
REBUILD_TRUSTED_CERTS = "os_compute_api:servers:rebuild:trusted_certs"


def _member(name: str, action: str, description: str):
    return base.operation(name, "POST", _ACTION % action, description,
                          check=PROJECT_MEMBER_OR_ADMIN)


def _admin(name: str, action: str, description: str):
    return base.operation(name, "POST", _ACTION % action, description)


RULES = [
    _member(PAUSE, "pause", "Pause a server."),
    _member(UNPAUSE, "unpause", "Unpause a paused server."),
    _member(SUSPEND, "suspend", "Suspend a server."),
    _member(RESUME, "resume", "Resume a suspended server."),
    _member(LOCK, "lock", "Lock a server."),
    _member(UNLOCK, "unlock", "Unlock a server."),
    _admin(UNLOCK_OVERRIDE, "unlock",
           "Unlock a server that an admin locked (the owner may not)."),
    _member(RESCUE, "rescue", "Rescue a server."),
    _member(UNRESCUE, "unrescue", "Unrescue a server."),
    _member(CONSOLE_OUTPUT, "os-getConsoleOutput", "Show a server's console output."),
    _admin(RESET_STATE, "os-resetState", "Reset a server's state (admin)."),
    _admin(INJECT_NETWORK_INFO, "injectNetworkInfo",
           "Inject network information into a server (admin)."),
    _admin(RESET_NETWORK, "resetNetwork", "Reset a server's networking (admin)."),
    _member(CRASH_DUMP, "trigger_crash_dump", "Trigger a crash dump in a server (2.17+)."),
    _member(CHANGE_PASSWORD, "changePassword", "Change a server's administrative password."),
    base.operation(DIAGNOSTICS, "GET", "/servers/{server_id}/diagnostics",
                   "Show a server's diagnostics (admin)."),
    _member(RESTORE, "restore", "Restore a soft-deleted server."),
    _member(FORCE_DELETE, "forceDelete", "Delete a soft-deleted server now."),
    _member(CREATE_IMAGE, "createImage", "Create an image (a snapshot) of a server."),
    _member(CREATE_BACKUP, "createBackup", "Back a server up into an image, with rotation."),
    _member(RESIZE, "resize", "Resize a server to another flavor."),
    base.operations(CROSS_CELL, [("POST", _ACTION % "resize"), ("POST", _ACTION % "migrate")],
                    "Let a resize or cold migration go to another cell when the "
                    "server's own has no room (OpenStack compute's default: nobody).",
                    check="!"),
    _member(CONFIRM_RESIZE, "confirmResize", "Confirm a resize or migration."),
    _member(REVERT_RESIZE, "revertResize", "Revert a resize or migration."),
    _admin(MIGRATE, "migrate", "Cold-migrate a server to another host (admin)."),
    _admin(MIGRATE_HOST, "migrate", "Cold-migrate a server to a given host (2.56+, admin)."),
    _admin(MIGRATE_LIVE, "os-migrateLive", "Live-migrate a server (admin)."),
    _admin(EVACUATE, "evacuate", "Evacuate a server from a host that is down (admin)."),
    _member(SHELVE, "shelve", "Shelve a server."),
    _admin(SHELVE_OFFLOAD, "shelveOffload", "Offload a shelved server (admin)."),
    _member(UNSHELVE, "unshelve", "Unshelve a server."),
    _admin(UNSHELVE_TO_HOST, "unshelve",
           "Unshelve an offloaded server to a given host (2.91+, admin)."),
    _member(REBUILD, "rebuild", "Rebuild a server."),
    _member(REBUILD_TRUSTED_CERTS, "rebuild",
            "Rebuild a server with trusted image certificate ids (2.63+)."),
]
