"""Base rules every placement policy builds on (OpenStack Placement's names
and defaults; legacy checks apply while ``enforce_new_defaults`` is off)."""
from oslo_policy import policy

_REASON = "Placement moved to role-based defaults with scope support."
_SINCE = "Wallaby"

ADMIN_OR_SERVICE = "rule:admin_or_service_api"
SERVICE = "rule:service_api"
ADMIN_OR_PROJECT_READER_OR_SERVICE = "rule:admin_or_project_reader_or_service_api"


def _legacy(name: str) -> policy.DeprecatedRule:
    return policy.DeprecatedRule(name=name, check_str="role:admin",
                                 deprecated_reason=_REASON, deprecated_since=_SINCE)


RULES = [
    policy.RuleDefault("admin_api", "role:admin", scope_types=["project"],
                       description="Default rule for most placement APIs."),
    policy.RuleDefault("service_api", "role:service", scope_types=["project"],
                       description="Default rule for service-to-service APIs.",
                       deprecated_rule=_legacy("service_api")),
    policy.RuleDefault("admin_or_service_api", "role:admin or role:service",
                       scope_types=["project"],
                       description="Default rule for most placement APIs.",
                       deprecated_rule=_legacy("admin_or_service_api")),
    policy.RuleDefault("project_reader_api", "role:reader and project_id:%(project_id)s",
                       description="Default rule for project-level read-only APIs.",
                       deprecated_rule=_legacy("project_reader_api")),
    policy.RuleDefault("admin_or_project_reader_or_service_api",
                       "role:admin or rule:project_reader_api or role:service",
                       scope_types=["project"],
                       description="Default rule for project-level read-only APIs.",
                       deprecated_rule=_legacy("admin_or_project_reader_or_service_api")),
]


def operation(name: str, method: str, path: str, description: str,
              check: str = ADMIN_OR_SERVICE) -> policy.DocumentedRuleDefault:
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{"method": method, "path": path}], scope_types=["project"])
