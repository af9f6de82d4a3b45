"""Policy rules for os-instance_usage_audit_log (admin-only; OpenStack
compute's names)."""
from nubes.api.compute.policies import base

_BASE = "os_compute_api:os-instance-usage-audit-log:%s"
LIST = _BASE % "list"
SHOW = _BASE % "show"

RULES = [
    base.operation(LIST, "GET", "/os-instance_usage_audit_log",
                   "Show the instance usage audit of the last completed period."),
    base.operation(SHOW, "GET", "/os-instance_usage_audit_log/{before_timestamp}",
                   "Show the instance usage audit of the last period completed before a "
                   "time."),
]
