"""Policy rules for os-server-groups: a project's own groups, and with
all_projects every project's for admins."""
from nubes.api.compute.policies import base

_BASE = "os_compute_api:os-server-groups:%s"
CREATE = _BASE % "create"
DELETE = _BASE % "delete"
INDEX = _BASE % "index"
INDEX_ALL_PROJECTS = _BASE % "index:all_projects"
SHOW = _BASE % "show"

ADMIN_OR_OWNER = "rule:context_is_admin or project_id:%(project_id)s"
_ONE = "/os-server-groups/{server_group_id}"
RULES = [
    base.operation(CREATE, "POST", "/os-server-groups", "Create a server group.",
                   check="project_id:%(project_id)s"),
    base.operation(DELETE, "DELETE", _ONE, "Delete a server group.", check=ADMIN_OR_OWNER),
    base.operation(INDEX, "GET", "/os-server-groups", "List the project's server groups.",
                   check=ADMIN_OR_OWNER),
    base.operation(INDEX_ALL_PROJECTS, "GET", "/os-server-groups?all_projects",
                   "List the server groups of every project."),
    base.operation(SHOW, "GET", _ONE, "Show a server group.", check=ADMIN_OR_OWNER),
]
