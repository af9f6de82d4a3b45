"""Policy rules for a server's metadata (OpenStack compute's names): its
project's readers read it, its members change it; admins do both."""
from nubes.api.compute.policies import base
from nubes.api.compute.policies.servers import (
    PROJECT_MEMBER_OR_ADMIN,
    PROJECT_READER_OR_ADMIN,
)

_BASE = "os_compute_api:server-metadata:%s"
INDEX = _BASE % "index"
SHOW = _BASE % "show"
CREATE = _BASE % "create"
UPDATE_ALL = _BASE % "update_all"
UPDATE = _BASE % "update"
DELETE = _BASE % "delete"

_PATH = "/servers/{server_id}/metadata"

RULES = [
    base.operation(INDEX, "GET", _PATH, "List a server's metadata.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(SHOW, "GET", _PATH + "/{key}", "Show one metadata item of a server.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(CREATE, "POST", _PATH, "Create or update metadata items of a server.",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(UPDATE_ALL, "PUT", _PATH, "Replace a server's metadata.",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(UPDATE, "PUT", _PATH + "/{key}",
                   "Create or update one metadata item of a server.",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(DELETE, "DELETE", _PATH + "/{key}", "Delete one metadata item of a server.",
                   check=PROJECT_MEMBER_OR_ADMIN),
]
