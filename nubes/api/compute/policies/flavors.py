"""Policy rules for flavors, flavor access and flavor extra specs
(OpenStack compute's names).  Listing and showing flavors is open to
everyone and has no rule, as in OpenStack compute."""
from nubes.api.compute.policies import base

_MANAGE = "os_compute_api:os-flavor-manage:%s"
CREATE = _MANAGE % "create"
UPDATE = _MANAGE % "update"
DELETE = _MANAGE % "delete"

ACCESS_LIST = "os_compute_api:os-flavor-access"
ADD_TENANT_ACCESS = "os_compute_api:os-flavor-access:add_tenant_access"
REMOVE_TENANT_ACCESS = "os_compute_api:os-flavor-access:remove_tenant_access"

_SPECS = "os_compute_api:os-flavor-extra-specs:%s"
SPECS_INDEX = _SPECS % "index"
SPECS_SHOW = _SPECS % "show"
SPECS_CREATE = _SPECS % "create"
SPECS_UPDATE = _SPECS % "update"
SPECS_DELETE = _SPECS % "delete"

_ONE = "/flavors/{flavor_id}"
_SPEC = _ONE + "/os-extra_specs/{flavor_extra_spec_key}"
RULES = [
    base.operation(CREATE, "POST", "/flavors", "Create a flavor."),
    base.operation(UPDATE, "PUT", _ONE, "Update a flavor's description."),
    base.operation(DELETE, "DELETE", _ONE, "Delete a flavor."),
    base.operation(ACCESS_LIST, "GET", _ONE + "/os-flavor-access",
                   "List the projects with access to a private flavor."),
    base.operation(ADD_TENANT_ACCESS, "POST", _ONE + "/action (addTenantAccess)",
                   "Give a project access to a private flavor."),
    base.operation(REMOVE_TENANT_ACCESS, "POST", _ONE + "/action (removeTenantAccess)",
                   "Take a project's access to a private flavor away."),
    base.operation(SPECS_INDEX, "GET", _ONE + "/os-extra_specs",
                   "List a flavor's extra specs.", check=base.ANY),
    base.operation(SPECS_SHOW, "GET", _SPEC, "Show one extra spec of a flavor.",
                   check=base.ANY),
    base.operation(SPECS_CREATE, "POST", _ONE + "/os-extra_specs",
                   "Create or update extra specs of a flavor."),
    base.operation(SPECS_UPDATE, "PUT", _SPEC, "Update one extra spec of a flavor."),
    base.operation(SPECS_DELETE, "DELETE", _SPEC, "Delete one extra spec of a flavor."),
]
