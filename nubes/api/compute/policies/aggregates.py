"""Policy rules for os-aggregates."""
from nubes.api.compute.policies import base

_BASE = "os_compute_api:os-aggregates:%s"
INDEX = _BASE % "index"
CREATE = _BASE % "create"
SHOW = _BASE % "show"
UPDATE = _BASE % "update"
DELETE = _BASE % "delete"
ADD_HOST = _BASE % "add_host"
REMOVE_HOST = _BASE % "remove_host"
SET_METADATA = _BASE % "set_metadata"

_ONE = "/os-aggregates/{aggregate_id}"
RULES = [
    base.operation(INDEX, "GET", "/os-aggregates", "List all aggregates."),
    base.operation(CREATE, "POST", "/os-aggregates", "Create an aggregate."),
    base.operation(SHOW, "GET", _ONE, "Show details for an aggregate."),
    base.operation(UPDATE, "PUT", _ONE, "Update name and/or availability zone of an aggregate."),
    base.operation(DELETE, "DELETE", _ONE, "Delete an aggregate."),
    base.operation(ADD_HOST, "POST", _ONE + "/action (add_host)", "Add a host to an aggregate."),
    base.operation(REMOVE_HOST, "POST", _ONE + "/action (remove_host)",
                   "Remove a host from an aggregate."),
    base.operation(SET_METADATA, "POST", _ONE + "/action (set_metadata)",
                   "Create or replace metadata for an aggregate."),
]
