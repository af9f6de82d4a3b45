"""The body of POST /v3/auth/tokens (the parts this service reads)."""

_STRING = {"type": "string"}
_REF = {"type": "object", "properties": {"id": _STRING, "name": _STRING}}

_USER = {
    "type": "object",
    "properties": {"id": _STRING, "name": _STRING, "password": _STRING, "domain": _REF},
    "anyOf": [{"required": ["id"]}, {"required": ["name"]}],
}

ISSUE_TOKEN = {
    "type": "object",
    "properties": {
        "auth": {
            "type": "object",
            "properties": {
                "identity": {
                    "type": "object",
                    "properties": {
                        "methods": {"type": "array", "items": _STRING, "minItems": 1},
                        "password": {"type": "object", "properties": {"user": _USER},
                                     "required": ["user"]},
                        "token": {"type": "object", "properties": {"id": _STRING},
                                  "required": ["id"]},
                    },
                    "required": ["methods"],
                },
                "scope": {"oneOf": [
                    {"type": "object", "properties": {
                        "project": {**_REF, "properties": {**_REF["properties"], "domain": _REF},
                                    "anyOf": [{"required": ["id"]}, {"required": ["name"]}]},
                    }},
                    {"enum": ["unscoped"]},
                ]},
            },
            "required": ["identity"],
        },
    },
    "required": ["auth"],
}
