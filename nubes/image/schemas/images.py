"""The image record's writable attributes, as glance's ``image`` schema
describes them; anything else a caller sends is a custom property (a
string) unless it is read-only or reserved."""
from nubes.image.service import images as service

READ_ONLY = frozenset({"status", "checksum", "size", "virtual_size", "created_at",
                       "updated_at", "self", "file", "schema", "os_hash_algo",
                       "os_hash_value", "direct_url", "locations", "stores"})
RESERVED = frozenset({"deleted", "deleted_at", "location"})

_NULLABLE_ENUM = lambda values: {"enum": [None, *values]}  # noqa: E731

BASE = {
    "id": {"type": "string", "format": "uuid",
           "pattern": r"^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
                      r"-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"},
    "name": {"type": ["null", "string"], "maxLength": 255},
    "visibility": {"enum": list(service.VISIBILITIES)},
    "protected": {"type": "boolean"},
    "os_hidden": {"type": "boolean"},
    "min_ram": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    "min_disk": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    "disk_format": _NULLABLE_ENUM(service.DISK_FORMATS),
    "container_format": _NULLABLE_ENUM(service.CONTAINER_FORMATS),
    "owner": {"type": ["null", "string"], "maxLength": 255},
    "tags": {"type": "array", "items": {"type": "string", "minLength": 1,
                                        "maxLength": 255}},
}

# A whole image as a create body (or the result of applying a patch).
IMAGE = {
    "type": "object",
    "properties": BASE,
    "propertyNames": {"minLength": 1, "maxLength": 255},
    "additionalProperties": {"type": "string", "maxLength": 65535},
}

PATCH_MEDIA_TYPES = ("application/openstack-images-v2.1-json-patch",
                     "application/openstack-images-v2.0-json-patch")

PATCH = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "op": {"enum": ["add", "replace", "remove"]},
            "path": {"type": "string", "pattern": "^/"},
            "value": {},
        },
        "required": ["op", "path"],
        "additionalProperties": False,
    },
}
