"""Policy rules for placement:resource_classes."""
from nubes.placement.policies import base

LIST = "placement:resource_classes:list"
CREATE = "placement:resource_classes:create"
SHOW = "placement:resource_classes:show"
UPDATE = "placement:resource_classes:update"
DELETE = "placement:resource_classes:delete"

RULES = [
    base.operation(LIST, "GET", "/resource_classes", "List resource classes."),
    base.operation(CREATE, "POST", "/resource_classes", "Create resource class."),
    base.operation(SHOW, "GET", "/resource_classes/{name}", "Show resource class."),
    base.operation(UPDATE, "PUT", "/resource_classes/{name}", "Update resource class."),
    base.operation(DELETE, "DELETE", "/resource_classes/{name}", "Delete resource class."),
]
