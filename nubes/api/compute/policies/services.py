"""Policy rules for os-services."""
from nubes.api.compute.policies import base

_BASE = "os_compute_api:os-services:%s"
LIST = _BASE % "list"
UPDATE = _BASE % "update"
DELETE = _BASE % "delete"

RULES = [
    base.operation(LIST, "GET", "/os-services", "List all running Compute services."),
    base.operations(UPDATE, [("PUT", "/os-services/enable"),
                             ("PUT", "/os-services/disable"),
                             ("PUT", "/os-services/disable-log-reason"),
                             ("PUT", "/os-services/force-down"),
                             ("PUT", "/os-services/{service_id}")],
                    "Update a Compute service (enable, disable, force down)."),
    base.operation(DELETE, "DELETE", "/os-services/{service_id}", "Delete a Compute service."),
]
