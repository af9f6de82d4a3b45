"""The whole placement URL table: path -> {method: handler}.

Methods a path does not list get a 405 whose Allow header lists the
path's methods in the order given here (OpenStack Placement's order); a
handler whose microversion window excludes the request answers 404.
"""
from nubes.placement.handlers import (aggregate, allocation, allocation_candidate, inventory,
                                      reshaper, resource_class, resource_provider, root, trait,
                                      usage)

_RP = "/resource_providers/{uuid}"

ROUTES = [
    ("/", {"GET": root.get_root}),
    ("/resource_providers", {
        "GET": resource_provider.list_resource_providers,
        "POST": resource_provider.create_resource_provider,
    }),
    (_RP, {
        "GET": resource_provider.get_resource_provider,
        "DELETE": resource_provider.delete_resource_provider,
        "PUT": resource_provider.update_resource_provider,
    }),
    (_RP + "/inventories", {
        "GET": inventory.get_inventories,
        "POST": inventory.create_inventory,
        "PUT": inventory.set_inventories,
        "DELETE": inventory.delete_inventories,
    }),
    (_RP + "/inventories/{resource_class}", {
        "GET": inventory.get_inventory,
        "PUT": inventory.update_inventory,
        "DELETE": inventory.delete_inventory,
    }),
    (_RP + "/usages", {"GET": usage.list_usages_for_provider}),
    (_RP + "/aggregates", {
        "GET": aggregate.get_aggregates,
        "PUT": aggregate.set_aggregates,
    }),
    (_RP + "/allocations", {"GET": allocation.list_for_resource_provider}),
    (_RP + "/traits", {
        "GET": trait.list_traits_for_resource_provider,
        "PUT": trait.update_traits_for_resource_provider,
        "DELETE": trait.delete_traits_for_resource_provider,
    }),
    ("/resource_classes", {
        "GET": resource_class.list_resource_classes,
        "POST": resource_class.create_resource_class,
    }),
    ("/resource_classes/{name}", {
        "GET": resource_class.get_resource_class,
        "PUT": resource_class.update_resource_class,
        "DELETE": resource_class.delete_resource_class,
    }),
    ("/traits", {"GET": trait.list_traits}),
    ("/traits/{name}", {
        "GET": trait.get_trait,
        "PUT": trait.put_trait,
        "DELETE": trait.delete_trait,
    }),
    ("/allocations", {"POST": allocation.set_allocations}),
    ("/allocations/{consumer_uuid}", {
        "GET": allocation.list_for_consumer,
        "PUT": allocation.set_allocations_for_consumer,
        "DELETE": allocation.delete_allocations,
    }),
    ("/allocation_candidates", {"GET": allocation_candidate.list_allocation_candidates}),
    ("/usages", {"GET": usage.get_total_usages}),
    ("/reshaper", {"POST": reshaper.reshape}),
]
