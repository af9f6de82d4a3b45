"""Policy rules for placement:resource_providers."""
from nubes.placement.policies import base

LIST = "placement:resource_providers:list"
CREATE = "placement:resource_providers:create"
SHOW = "placement:resource_providers:show"
UPDATE = "placement:resource_providers:update"
DELETE = "placement:resource_providers:delete"

RULES = [
    base.operation(LIST, "GET", "/resource_providers", "List resource providers."),
    base.operation(CREATE, "POST", "/resource_providers", "Create resource provider."),
    base.operation(SHOW, "GET", "/resource_providers/{uuid}", "Show resource provider."),
    base.operation(UPDATE, "PUT", "/resource_providers/{uuid}", "Update resource provider."),
    base.operation(DELETE, "DELETE", "/resource_providers/{uuid}", "Delete resource provider."),
]

# Provider sub-resources whose rules live with the provider.
TRAITS_LIST = "placement:resource_providers:traits:list"
TRAITS_UPDATE = "placement:resource_providers:traits:update"
TRAITS_DELETE = "placement:resource_providers:traits:delete"
ALLOCATIONS_LIST = "placement:resource_providers:allocations:list"
USAGES = "placement:resource_providers:usages"

RULES += [
    base.operation(TRAITS_LIST, "GET", "/resource_providers/{uuid}/traits",
                   "List resource provider traits."),
    base.operation(TRAITS_UPDATE, "PUT", "/resource_providers/{uuid}/traits",
                   "Update resource provider traits."),
    base.operation(TRAITS_DELETE, "DELETE", "/resource_providers/{uuid}/traits",
                   "Delete resource provider traits."),
    base.operation(ALLOCATIONS_LIST, "GET", "/resource_providers/{uuid}/allocations",
                   "List resource provider allocations."),
    base.operation(USAGES, "GET", "/resource_providers/{uuid}/usages",
                   "List resource provider usages."),
]
