"""Policy rules for a server's volume attachments (OpenStack compute's
names): its project's readers list and show them, its members attach,
update and detach; swapping a volume for another is for admins."""
from nubes.api.compute.policies import base
from nubes.api.compute.policies.servers import (
    PROJECT_MEMBER_OR_ADMIN,
    PROJECT_READER_OR_ADMIN,
)

_BASE = "os_compute_api:os-volumes-attachments:%s"
INDEX = _BASE % "index"
SHOW = _BASE % "show"
CREATE = _BASE % "create"
UPDATE = _BASE % "update"
SWAP = _BASE % "swap"
DELETE = _BASE % "delete"

_PATH = "/servers/{server_id}/os-volume_attachments"

RULES = [
    base.operation(INDEX, "GET", _PATH, "List the volumes attached to a server.",
                   check=PROJECT_READER_OR_ADMIN),
    base.operation(SHOW, "GET", _PATH + "/{volume_id}",
                   "Show a volume attachment of a server.", check=PROJECT_READER_OR_ADMIN),
    base.operation(CREATE, "POST", _PATH, "Attach a volume to a server.",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(UPDATE, "PUT", _PATH + "/{volume_id}",
                   "Update a volume attachment (delete_on_termination, 2.85).",
                   check=PROJECT_MEMBER_OR_ADMIN),
    base.operation(SWAP, "PUT", _PATH + "/{volume_id}",
                   "Swap an attached volume for another one."),
    base.operation(DELETE, "DELETE", _PATH + "/{volume_id}",
                   "Detach a volume from a server.", check=PROJECT_MEMBER_OR_ADMIN),
]
