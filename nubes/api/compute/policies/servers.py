"""Policy rules for servers (OpenStack compute's names and defaults).

Reading a server is for its project's members and readers, and admins;
listing every project's servers, filtering by anything, and the extended
attributes (host, node, instance name, ...) are admin-only by default.
"""
from nubes.api.compute.policies import base

_BASE = "os_compute_api:servers:%s"
INDEX = _BASE % "index"
DETAIL = _BASE % "detail"
INDEX_ALL_TENANTS = _BASE % "index:get_all_tenants"
DETAIL_ALL_TENANTS = _BASE % "detail:get_all_tenants"
ALLOW_ALL_FILTERS = _BASE % "allow_all_filters"
SHOW = _BASE % "show"
SHOW_HOST_STATUS = _BASE % "show:host_status"
SHOW_HOST_STATUS_UNKNOWN_ONLY = _BASE % "show:host_status:unknown-only"
SHOW_FLAVOR_EXTRA_SPECS = _BASE % "show:flavor-extra-specs"
EXTENDED_ATTRIBUTES = "os_compute_api:os-extended-server-attributes"
CREATE = _BASE % "create"
CREATE_FORCED_HOST = _BASE % "create:forced_host"
CREATE_ATTACH_NETWORK = _BASE % "create:attach_network"
DELETE = _BASE % "delete"
UPDATE = _BASE % "update"
REBOOT = _BASE % "reboot"
STOP = _BASE % "stop"
START = _BASE % "start"

# A member (or reader) of the server's project, or an admin.
PROJECT_READER_OR_ADMIN = ("rule:context_is_admin or "
                           "(role:reader and project_id:%(project_id)s) or "
                           "(role:member and project_id:%(project_id)s)")
# A member of the server's project, or an admin.
PROJECT_MEMBER_OR_ADMIN = ("rule:context_is_admin or "
                           "(role:member and project_id:%(project_id)s)")

RULES = [
    base.operation(INDEX, "GET", "/servers", "List all servers.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(DETAIL, "GET", "/servers/detail", "List all servers with details.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(INDEX_ALL_TENANTS, "GET", "/servers",
                   "List all servers for all projects."),
    base.operation(DETAIL_ALL_TENANTS, "GET", "/servers/detail",
                   "List all servers with details for all projects."),
    base.operations(ALLOW_ALL_FILTERS, [("GET", "/servers"), ("GET", "/servers/detail")],
                    "Allow all filters when listing servers."),
    base.operation(SHOW, "GET", "/servers/{server_id}", "Show a server.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operations(SHOW_HOST_STATUS, [("GET", "/servers/{server_id}"),
                                       ("GET", "/servers/detail")],
                    "Show a server with its host status (2.16+)."),
    base.operations(SHOW_HOST_STATUS_UNKNOWN_ONLY, [("GET", "/servers/{server_id}"),
                                                    ("GET", "/servers/detail")],
                    "Show a server's host status only when it is UNKNOWN (2.16+); "
                    "the full host_status rule, when allowed, wins."),
    base.operations(SHOW_FLAVOR_EXTRA_SPECS, [("GET", "/servers/{server_id}"),
                                              ("GET", "/servers/detail")],
                    "Show the extra specs of a server's embedded flavor (2.47+).",
                    check=PROJECT_READER_OR_ADMIN),
    base.operations(EXTENDED_ATTRIBUTES, [("GET", "/servers/{server_id}"),
                                          ("GET", "/servers/detail")],
                    "Show a server's extended attributes (host, hypervisor_hostname, "
                    "instance_name, and from 2.3 reservation_id, launch_index, "
                    "hostname, kernel_id, ramdisk_id, root_device_name, user_data)."),
    base.operation(CREATE, "POST", "/servers", "Create a server.",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(CREATE_FORCED_HOST, "POST", "/servers",
                   "Create a server on a given host and node (availability_zone "
                   "'az:host[:node]'), bypassing the scheduler's filters."),
    base.operation(CREATE_ATTACH_NETWORK, "POST", "/servers",
                   "Create a server with the requested networks ('auto'/'none').",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(DELETE, "DELETE", "/servers/{server_id}", "Delete a server.",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(UPDATE, "PUT", "/servers/{server_id}", "Update a server.",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(REBOOT, "POST", "/servers/{server_id}/action (reboot)",
                   "Reboot a server.", check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(STOP, "POST", "/servers/{server_id}/action (os-stop)",
                   "Stop a server.", check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(START, "POST", "/servers/{server_id}/action (os-start)",
                   "Start a server.", check=PROJECT_MEMBER_OR_ADMIN),
]
