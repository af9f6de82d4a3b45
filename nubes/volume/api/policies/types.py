"""Volume type rules (cinder's names)."""
from nubes.volume.api.policies.base import ADMIN, ANY, rule

GET = "volume_extension:type_get"
GET_ALL = "volume_extension:type_get_all"
CREATE = "volume_extension:type_create"
UPDATE = "volume_extension:type_update"
DELETE = "volume_extension:type_delete"
EXTRA_SPECS_READ = "volume_extension:types_extra_specs:index"
EXTRA_SPECS_WRITE = "volume_extension:types_extra_specs:create"
EXTRA_SPECS_DELETE = "volume_extension:types_extra_specs:delete"
ACCESS_LIST = "volume_extension:volume_type_access"
ACCESS_ADD = "volume_extension:volume_type_access:addProjectAccess"
ACCESS_REMOVE = "volume_extension:volume_type_access:removeProjectAccess"
QOS_SPECS_ID = "volume_extension:access_types_qos_specs_id"

_T = "/types/{type_id}"


def list_rules():
    return [
        rule(GET, ANY, "Show a volume type.", "GET", _T),
        rule(GET_ALL, ANY, "List volume types.", "GET", "/types"),
        rule(CREATE, ADMIN, "Create a volume type.", "POST", "/types"),
        rule(UPDATE, ADMIN, "Update a volume type.", "PUT", _T),
        rule(DELETE, ADMIN, "Delete a volume type.", "DELETE", _T),
        rule(EXTRA_SPECS_READ, ANY, "Show a volume type's extra specs.", "GET",
             _T + "/extra_specs"),
        rule(EXTRA_SPECS_WRITE, ADMIN, "Set volume type extra specs.", "POST",
             _T + "/extra_specs"),
        rule(EXTRA_SPECS_DELETE, ADMIN, "Delete a volume type extra spec.", "DELETE",
             _T + "/extra_specs/{key}"),
        rule(ACCESS_LIST, ADMIN, "List the projects of a private volume type.", "GET",
             _T + "/os-volume-type-access"),
        rule(ACCESS_ADD, ADMIN, "Give a project access to a private volume type.", "POST",
             _T + "/action"),
        rule(ACCESS_REMOVE, ADMIN, "Take a project's access to a private volume type.",
             "POST", _T + "/action"),
        rule(QOS_SPECS_ID, ADMIN, "See a volume type's qos_specs_id.", "GET", _T),
    ]
