"""Policy rules for placement:resource_providers:inventories."""
from nubes.placement.policies import base

LIST = "placement:resource_providers:inventories:list"
CREATE = "placement:resource_providers:inventories:create"
SHOW = "placement:resource_providers:inventories:show"
UPDATE = "placement:resource_providers:inventories:update"
DELETE = "placement:resource_providers:inventories:delete"

RULES = [
    base.operation(LIST, "GET", "/resource_providers/{uuid}/inventories", "List resource provider inventories."),
    base.operation(CREATE, "POST", "/resource_providers/{uuid}/inventories", "Create one resource provider inventory."),
    base.operation(SHOW, "GET", "/resource_providers/{uuid}/inventories/{resource_class}", "Show resource provider inventory."),
    base.operation(UPDATE, "PUT", "/resource_providers/{uuid}/inventories/{resource_class}", "Update resource provider inventory."),
    base.operation(DELETE, "DELETE", "/resource_providers/{uuid}/inventories/{resource_class}", "Delete resource provider inventory."),
]
