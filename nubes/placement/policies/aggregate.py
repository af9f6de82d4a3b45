"""Policy rules for placement:resource_providers:aggregates."""
from nubes.placement.policies import base

LIST = "placement:resource_providers:aggregates:list"
UPDATE = "placement:resource_providers:aggregates:update"

RULES = [
    base.operation(LIST, "GET", "/resource_providers/{uuid}/aggregates", "List resource provider aggregates."),
    base.operation(UPDATE, "PUT", "/resource_providers/{uuid}/aggregates", "Update resource provider aggregates."),
]
