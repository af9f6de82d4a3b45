"""Bodies of ``/servers/{id}/metadata``: ``{"metadata": {...}}`` (merge,
replace) and ``{"meta": {key: value}}`` (one item).  Keys are 1-255
characters of letters, digits, ``-``, ``_``, ``:``, ``.`` and space;
values strings of at most 255 characters, as OpenStack compute checks
them."""
from __future__ import annotations

MAX_LENGTH = 255
METADATA = {
    "type": "object",
    "patternProperties": {
        "^[a-zA-Z0-9_:. -]{1,255}$": {"type": "string", "maxLength": MAX_LENGTH},
    },
    "additionalProperties": False,
}
ALL = {
    "type": "object",
    "properties": {"metadata": METADATA},
    "required": ["metadata"],
    "additionalProperties": False,
}
ITEM = {
    "type": "object",
    "properties": {"meta": {**METADATA, "minProperties": 1, "maxProperties": 1}},
    "required": ["meta"],
    "additionalProperties": False,
}
