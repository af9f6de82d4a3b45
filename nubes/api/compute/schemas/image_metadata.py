"""Bodies of the compute API's image metadata calls: ``{"metadata": {...}}``
(POST, PUT) and ``{"meta": {key: value}}`` (PUT of one key).  Keys are 1 to
255 characters of letters, digits and ``-_:. ``; values strings of at most
255."""

_ITEMS = {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}

METADATA = {
    "type": "object",
    "properties": {"metadata": _ITEMS},
    "required": ["metadata"],
    "additionalProperties": False,
}

META = {
    "type": "object",
    "properties": {"meta": dict(_ITEMS, minProperties=1, maxProperties=1)},
    "required": ["meta"],
    "additionalProperties": False,
}
