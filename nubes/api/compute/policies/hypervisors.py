"""Policy rules for os-hypervisors."""
from nubes.api.compute.policies import base

_BASE = "os_compute_api:os-hypervisors:%s"
LIST = _BASE % "list"
LIST_DETAIL = _BASE % "list-detail"
STATISTICS = _BASE % "statistics"
SHOW = _BASE % "show"
UPTIME = _BASE % "uptime"
SEARCH = _BASE % "search"
SERVERS = _BASE % "servers"

RULES = [
    base.operation(LIST, "GET", "/os-hypervisors", "List all hypervisors."),
    base.operation(LIST_DETAIL, "GET", "/os-hypervisors/detail",
                   "List all hypervisors with details."),
    base.operation(STATISTICS, "GET", "/os-hypervisors/statistics",
                   "Show summary statistics for all hypervisors over all compute nodes."),
    base.operation(SHOW, "GET", "/os-hypervisors/{hypervisor_id}",
                   "Show details for a hypervisor."),
    base.operation(UPTIME, "GET", "/os-hypervisors/{hypervisor_id}/uptime",
                   "Show the uptime of a hypervisor."),
    base.operation(SEARCH, "GET", "/os-hypervisors/{hypervisor_hostname_pattern}/search",
                   "Search hypervisors by hypervisor_hostname pattern."),
    base.operation(SERVERS, "GET", "/os-hypervisors/{hypervisor_hostname_pattern}/servers",
                   "List all servers on hypervisors that match the pattern."),
]
