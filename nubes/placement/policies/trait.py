"""Policy rules for placement:traits."""
from nubes.placement.policies import base

LIST = "placement:traits:list"
SHOW = "placement:traits:show"
UPDATE = "placement:traits:update"
DELETE = "placement:traits:delete"

RULES = [
    base.operation(LIST, "GET", "/traits", "List traits."),
    base.operation(SHOW, "GET", "/traits/{name}", "Show trait."),
    base.operation(UPDATE, "PUT", "/traits/{name}", "Update trait."),
    base.operation(DELETE, "DELETE", "/traits/{name}", "Delete trait."),
]
