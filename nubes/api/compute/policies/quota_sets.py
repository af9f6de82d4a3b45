"""Policy rules for os-quota-sets and os-quota-class-sets (OpenStack
compute's defaults): a project's readers see its quotas, everyone the
defaults; only admins change them, and only admins see quota classes."""
from nubes.api.compute.policies import base

_BASE = "os_compute_api:os-quota-sets:%s"
SHOW = _BASE % "show"
DETAIL = _BASE % "detail"
DEFAULTS = _BASE % "defaults"
UPDATE = _BASE % "update"
DELETE = _BASE % "delete"
CLASS_SHOW = "os_compute_api:os-quota-class-sets:show"
CLASS_UPDATE = "os_compute_api:os-quota-class-sets:update"

PROJECT_READER_OR_ADMIN = "rule:context_is_admin or (role:reader and project_id:%(project_id)s)"
_ONE = "/os-quota-sets/{tenant_id}"
_CLASS = "/os-quota-class-sets/{quota_class_id}"
RULES = [
    base.operation(SHOW, "GET", _ONE, "Show a project's (or a user's) quota.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(DETAIL, "GET", _ONE + "/detail",
                   "Show a project's (or a user's) quota with its usage.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(DEFAULTS, "GET", _ONE + "/defaults", "Show the default quota.",
                   check=base.ANY),
    base.operation(UPDATE, "PUT", _ONE, "Update a project's (or a user's) quota."),
    base.operation(DELETE, "DELETE", _ONE, "Revert a project's (or a user's) quota to "
                   "the defaults."),
    base.operation(CLASS_SHOW, "GET", _CLASS, "Show a quota class."),
    base.operation(CLASS_UPDATE, "PUT", _CLASS, "Create or update a quota class."),
]
