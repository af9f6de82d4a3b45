"""Policy rules for a server's tags (2.26+; OpenStack compute's names):
its project's readers read them, its members change them; admins do both."""
from nubes.api.compute.policies import base
from nubes.api.compute.policies.servers import (
    PROJECT_MEMBER_OR_ADMIN,
    PROJECT_READER_OR_ADMIN,
)

_BASE = "os_compute_api:os-server-tags:%s"
INDEX = _BASE % "index"
SHOW = _BASE % "show"
UPDATE = _BASE % "update"
UPDATE_ALL = _BASE % "update_all"
DELETE = _BASE % "delete"
DELETE_ALL = _BASE % "delete_all"

_PATH = "/servers/{server_id}/tags"

RULES = [
    base.operation(INDEX, "GET", _PATH, "List a server's tags.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(SHOW, "GET", _PATH + "/{tag}", "Check whether a server has a tag.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(UPDATE, "PUT", _PATH + "/{tag}", "Add one tag to a server.",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(UPDATE_ALL, "PUT", _PATH, "Replace a server's tags.",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(DELETE, "DELETE", _PATH + "/{tag}", "Delete one tag of a server.",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(DELETE_ALL, "DELETE", _PATH, "Delete every tag of a server.",
                   check=PROJECT_MEMBER_OR_ADMIN),
]
