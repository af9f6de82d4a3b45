"""Policy rules for os-availability-zone."""
from nubes.api.compute.policies import base

_BASE = "os_compute_api:os-availability-zone:%s"
LIST = _BASE % "list"
DETAIL = _BASE % "detail"

RULES = [
    base.operation(LIST, "GET", "/os-availability-zone",
                   "List availability zone information without host information.",
                   check=base.ANY),
    base.operation(DETAIL, "GET", "/os-availability-zone/detail",
                   "List detailed availability zone information with host information."),
]
