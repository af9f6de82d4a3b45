"""Bodies of ``/servers/{id}/os-volume_attachments``.

Attach: ``{"volumeAttachment": {"volumeId", "device"?, "tag"? (2.49),
"delete_on_termination"? (2.79)}}``.  Update: ``{"volumeAttachment":
{"volumeId"}}`` (a swap); from 2.85 it may also carry
``delete_on_termination`` and the attachment's read-only fields (``id``,
``serverId``, ``device``, ``tag``), which must not change.  Unknown keys
are a 400.
"""
from __future__ import annotations

import functools
from typing import Any

from nubes.api.compute.schemas import server_create

_UUID = {"type": "string", "format": "uuid"}
_DEVICE = {"type": ["string", "null"], "pattern": "^/dev/[a-zA-Z0-9]+$", "maxLength": 255}
_BOOLEAN = {"type": ["boolean", "string"],
            "enum": [True, False, "True", "False", "true", "false", "1", "0", "yes", "no",
                     "on", "off", "t", "f", "y", "n"]}
TAG: dict[str, Any] = \
    server_create.schema((2, 52))["properties"]["server"]["properties"]["tags"]["items"]
# Read-only fields a 2.85 update may repeat (unchanged).
READ_ONLY = ("id", "serverId", "device", "tag")


def _wrap(props: dict, *, required=("volumeId",)) -> dict:
    return {"type": "object",
            "properties": {"volumeAttachment": {
                "type": "object", "properties": props, "required": list(required),
                "additionalProperties": False}},
            "required": ["volumeAttachment"], "additionalProperties": False}


@functools.lru_cache(maxsize=8)
def _create(tag: bool, delete_on_termination: bool) -> dict:
    props: dict[str, Any] = {"volumeId": _UUID, "device": _DEVICE}
    if tag:
        props["tag"] = TAG
    if delete_on_termination:
        props["delete_on_termination"] = _BOOLEAN
    return _wrap(props)


def create(version) -> dict:
    return _create(version >= (2, 49), version >= (2, 79))


@functools.lru_cache(maxsize=4)
def _update(full: bool) -> dict:
    props: dict[str, Any] = {"volumeId": _UUID}
    if full:
        props.update({"id": _UUID, "serverId": _UUID, "device": _DEVICE, "tag": TAG,
                      "delete_on_termination": _BOOLEAN})
    return _wrap(props)


def update(version) -> dict:
    return _update(version >= (2, 85))


def boolean(value: Any) -> bool:
    return server_create.boolish(value)
