"""Request bodies for /resource_classes."""
from nubes.placement.schemas import common

POST_RESOURCE_CLASS = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": common.CUSTOM_RC_PATTERN,
                 "maxLength": common.NAME_MAX},
    },
    "required": ["name"],
    "additionalProperties": False,
}

# PUT /resource_classes/{name} before 1.7 renamed a class with this body.
PUT_RESOURCE_CLASS_V1_2 = POST_RESOURCE_CLASS
