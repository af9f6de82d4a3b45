"""Policy rules for a server's encrypted admin password (OpenStack
compute's names): its project's readers see it, its members clear it."""
from nubes.api.compute.policies import base
from nubes.api.compute.policies.servers import (
    PROJECT_MEMBER_OR_ADMIN,
    PROJECT_READER_OR_ADMIN,
)

_BASE = "os_compute_api:os-server-password:%s"
SHOW = _BASE % "show"
CLEAR = _BASE % "clear"

_PATH = "/servers/{server_id}/os-server-password"

RULES = [
    base.operation(SHOW, "GET", _PATH, "Show a server's encrypted admin password.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(CLEAR, "DELETE", _PATH, "Clear a server's encrypted admin password.",
                   check=PROJECT_MEMBER_OR_ADMIN),
]
