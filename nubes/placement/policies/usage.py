"""Policy rules for GET /usages (project readers may see their own)."""
from nubes.placement.policies import base

TOTAL = "placement:usages"

RULES = [
    base.operation(TOTAL, "GET", "/usages",
                   "List total resource usages for a given project.",
                   check=base.ADMIN_OR_PROJECT_READER_OR_SERVICE),
]
