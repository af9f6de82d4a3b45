"""The whole placement URL table: path -> {method: handler}.

Methods a path does not list get a JSON 405 with an Allow header; a
handler whose microversion window excludes the request answers 404.
"""
from nubes.placement.handlers import resource_class, root

ROUTES = [
    ("/", {"GET": root.get_root}),
    ("/resource_classes", {
        "GET": resource_class.list_resource_classes,
        "POST": resource_class.create_resource_class,
    }),
    ("/resource_classes/{name}", {
        "GET": resource_class.get_resource_class,
        "PUT": resource_class.update_resource_class,
        "DELETE": resource_class.delete_resource_class,
    }),
]
