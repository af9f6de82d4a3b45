"""Policy rules for os-migrations and a server's migrations (admin-only;
OpenStack compute's names)."""
from nubes.api.compute.policies import base

INDEX = "os_compute_api:os-migrations:index"
SERVER_INDEX = "os_compute_api:servers:migrations:index"
SERVER_SHOW = "os_compute_api:servers:migrations:show"
FORCE_COMPLETE = "os_compute_api:servers:migrations:force_complete"
SERVER_DELETE = "os_compute_api:servers:migrations:delete"

RULES = [
    base.operation(INDEX, "GET", "/os-migrations", "List migrations."),
    base.operation(SERVER_INDEX, "GET", "/servers/{server_id}/migrations",
                   "List a server's live migrations in progress (2.23+)."),
    base.operation(SERVER_SHOW, "GET", "/servers/{server_id}/migrations/{migration_id}",
                   "Show one of a server's live migrations in progress (2.23+)."),
    base.operation(FORCE_COMPLETE, "POST",
                   "/servers/{server_id}/migrations/{migration_id}/action (force_complete)",
                   "Force a running live migration to complete (2.22+)."),
    base.operation(SERVER_DELETE, "DELETE", "/servers/{server_id}/migrations/{migration_id}",
                   "Abort a running live migration (2.24+)."),
]
