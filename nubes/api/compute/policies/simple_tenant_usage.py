"""Policy rules for os-simple-tenant-usage (OpenStack compute's names):
every project's usage is admin-only; a project reads its own."""
from nubes.api.compute.policies import base
from nubes.api.compute.policies.servers import PROJECT_READER_OR_ADMIN

_BASE = "os_compute_api:os-simple-tenant-usage:%s"
LIST = _BASE % "list"
SHOW = _BASE % "show"

RULES = [
    base.operation(LIST, "GET", "/os-simple-tenant-usage",
                   "List the usage of every project in a period."),
    base.operation(SHOW, "GET", "/os-simple-tenant-usage/{tenant_id}",
                   "Show a project's usage in a period.", check=PROJECT_READER_OR_ADMIN),
]
