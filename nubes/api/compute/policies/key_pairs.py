"""Policy rules for os-keypairs: a user's own key pairs; admins may name
another user with ``user_id`` (2.10+)."""
from nubes.api.compute.policies import base

_BASE = "os_compute_api:os-keypairs:%s"
INDEX = _BASE % "index"
CREATE = _BASE % "create"
SHOW = _BASE % "show"
DELETE = _BASE % "delete"

ADMIN_OR_USER = "rule:context_is_admin or user_id:%(user_id)s"
_ONE = "/os-keypairs/{keypair_name}"
RULES = [
    base.operation(INDEX, "GET", "/os-keypairs", "List key pairs.", check=ADMIN_OR_USER),
    base.operation(CREATE, "POST", "/os-keypairs", "Create or import a key pair.",
                   check=ADMIN_OR_USER),
    base.operation(SHOW, "GET", _ONE, "Show a key pair.", check=ADMIN_OR_USER),
    base.operation(DELETE, "DELETE", _ONE, "Delete a key pair.", check=ADMIN_OR_USER),
]
