"""Policy rules for placement:allocations."""
from nubes.placement.policies import base

MANAGE = "placement:allocations:manage"
LIST = "placement:allocations:list"
UPDATE = "placement:allocations:update"
DELETE = "placement:allocations:delete"

RULES = [
    base.operation(MANAGE, "POST", "/allocations", "Manage allocations."),
    base.operation(LIST, "GET", "/allocations/{consumer_uuid}", "List allocations."),
    base.operation(UPDATE, "PUT", "/allocations/{consumer_uuid}", "Update allocations."),
    base.operation(DELETE, "DELETE", "/allocations/{consumer_uuid}", "Delete allocations."),
]
