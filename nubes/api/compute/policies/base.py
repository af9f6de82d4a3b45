"""Base rules the compute policies build on (OpenStack compute's names).

Admin APIs default to ``role:admin``; the few open to everyone use ``@``.
An operator's policy.yaml can redefine any rule by name.
"""
from oslo_policy import policy

ADMIN = "rule:context_is_admin"
ANY = "@"

RULES = [
    policy.RuleDefault("context_is_admin", "role:admin",
                       description="Decides what is required for the 'is_admin:True' check."),
    policy.RuleDefault("admin_api", "role:admin",
                       description="Default rule for administrative compute APIs "
                                   "(the legacy name)."),
    policy.RuleDefault("project_reader_api", "role:reader and project_id:%(project_id)s",
                       description="Default rule for project-level read-only APIs."),
]


def operation(name: str, method: str, path: str, description: str,
              check: str = ADMIN) -> policy.DocumentedRuleDefault:
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{"method": method, "path": path}], scope_types=["project"])


def operations(name: str, ops: list[tuple[str, str]], description: str,
               check: str = ADMIN) -> policy.DocumentedRuleDefault:
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{"method": m, "path": p} for m, p in ops], scope_types=["project"])
