"""The body of ``PUT /servers/{id}``, by microversion: ``name``,
``accessIPv4``, ``accessIPv6``, ``OS-DCF:diskConfig``; 2.19
``description`` (null clears it); 2.90 ``hostname`` (one label), 2.94 an
FQDN (sanitised as on create).  Each field has the rules it has on create
(taken from :mod:`.server_create`, so they are written once); unknown
fields are a 400; every field is optional.
"""
from __future__ import annotations

import functools

from nubes.api.compute.schemas import server_create

UPDATABLE = ("name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig", "description",
             "hostname")


@functools.lru_cache(maxsize=8)
def _schema(version: tuple[int, int]) -> dict:
    create = server_create.schema(version)["properties"]["server"]["properties"]
    fields = {name: create[name] for name in UPDATABLE if name in create}
    return {
        "type": "object",
        "properties": {"server": {"type": "object", "properties": fields,
                                  "additionalProperties": False}},
        "required": ["server"],
        "additionalProperties": False,
    }


def schema(version) -> dict:
    # One schema per window: description (2.19), hostname (2.90), FQDN (2.94).
    for window in ((2, 94), (2, 90), (2, 19)):
        if version >= window:
            return _schema(window)
    return _schema((2, 1))
