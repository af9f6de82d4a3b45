"""Policy rules for a server's addresses (OpenStack compute's names)."""
from nubes.api.compute.policies import base
from nubes.api.compute.policies.servers import PROJECT_READER_OR_ADMIN

_BASE = "os_compute_api:ips:%s"
INDEX = _BASE % "index"
SHOW = _BASE % "show"

RULES = [
    base.operation(INDEX, "GET", "/servers/{server_id}/ips", "List a server's addresses.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(SHOW, "GET", "/servers/{server_id}/ips/{network_label}",
                   "Show a server's addresses on one network.",
                   check=PROJECT_READER_OR_ADMIN),
]
