"""Check strings and the rule helper every policy module uses."""
from oslo_policy import policy

ADMIN = "role:admin"
MEMBER = "role:admin or (role:member and project_id:%(project_id)s)"
READER = "role:admin or (role:reader and project_id:%(project_id)s)"
ANY = "@"


def rule(name: str, check: str, description: str, method: str, path: str):
    return policy.DocumentedRuleDefault(name=name, check_str=check, description=description,
                                        operations=[{"method": method, "path": path}],
                                        scope_types=["project"])
