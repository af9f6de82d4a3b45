"""Quota and limits rules (cinder's names)."""
from nubes.volume.api.policies.base import ADMIN, READER, rule

SHOW = "volume_extension:quotas:show"
UPDATE = "volume_extension:quotas:update"
DELETE = "volume_extension:quotas:delete"
LIMITS = "limits_extension:used_limits"

_Q = "/os-quota-sets/{project_id}"


def list_rules():
    return [
        rule(SHOW, READER, "Show a project's quotas.", "GET", _Q),
        rule(UPDATE, ADMIN, "Update a project's quotas.", "PUT", _Q),
        rule(DELETE, ADMIN, "Reset a project's quotas to the defaults.", "DELETE", _Q),
        rule(LIMITS, READER, "Show the caller's limits and usage.", "GET", "/limits"),
    ]
