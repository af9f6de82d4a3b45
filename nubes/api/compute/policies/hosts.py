"""Policy rules for os-hosts (admin-only; OpenStack compute's names)."""
from nubes.api.compute.policies import base

_BASE = "os_compute_api:os-hosts:%s"
LIST = _BASE % "list"
SHOW = _BASE % "show"
UPDATE = _BASE % "update"
REBOOT = _BASE % "reboot"
SHUTDOWN = _BASE % "shutdown"
START = _BASE % "start"

_ONE = "/os-hosts/{host_name}"

RULES = [
    base.operation(LIST, "GET", "/os-hosts", "List hosts (before 2.43)."),
    base.operation(SHOW, "GET", _ONE, "Show a host's resources (before 2.43)."),
    base.operation(UPDATE, "PUT", _ONE, "Enable or disable a host or set its maintenance "
                   "mode (before 2.43)."),
    base.operation(REBOOT, "GET", _ONE + "/reboot", "Reboot a host (before 2.43)."),
    base.operation(SHUTDOWN, "GET", _ONE + "/shutdown", "Shut down a host (before 2.43)."),
    base.operation(START, "GET", _ONE + "/startup", "Start a host (before 2.43)."),
]
