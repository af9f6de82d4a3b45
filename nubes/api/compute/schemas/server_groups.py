"""Request bodies of /os-server-groups: ``policies`` (a one-item list)
before 2.64, ``policy`` plus ``rules`` from 2.64; the soft policies from
2.15."""
from nubes.api.compute.schemas import common

HARD = ["affinity", "anti-affinity"]
SOFT = ["soft-affinity", "soft-anti-affinity"]


def _body(group: dict) -> dict:
    return {"type": "object", "properties": {"server_group": group},
            "required": ["server_group"], "additionalProperties": False}


def _policies(names: list[str]) -> dict:
    return _body({
        "type": "object",
        "properties": {"name": common.NAME,
                       "policies": {"type": "array", "items": {"enum": names},
                                    "minItems": 1, "maxItems": 1, "uniqueItems": True}},
        "required": ["name", "policies"],
        "additionalProperties": False,
    })


CREATE_V21 = _policies(HARD)
CREATE_V215 = _policies(HARD + SOFT)

# max_server_per_host: a positive integer (or a string of digits).
_POSITIVE = {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                       {"type": "string", "pattern": r"^0*[1-9][0-9]{0,9}$"}]}

CREATE_V264 = _body({
    "type": "object",
    "properties": {
        "name": common.NAME,
        "policy": {"enum": HARD + SOFT},
        "rules": {"type": "object",
                  "properties": {"max_server_per_host": _POSITIVE},
                  "additionalProperties": False},
    },
    "required": ["name", "policy"],
    "additionalProperties": False,
})
