"""The body of the ``rebuild`` server action, by microversion.

``{"rebuild": {"imageRef": <uuid>, ...}}``: ``name``, ``adminPass``,
``metadata`` (replaces all of it), ``accessIPv4``/``accessIPv6``,
``OS-DCF:diskConfig``, ``preserve_ephemeral`` (a boolean) and, before 2.57,
``personality`` (files, base64 contents); 2.19 ``description``; 2.54
``key_name`` (null unsets it); 2.57 ``user_data`` (base64, null unsets it)
and no more ``personality``; 2.63 ``trusted_image_certificates``; 2.90
``hostname`` (one label), 2.94 an FQDN.  Each field that a create also
takes has the create's rules (taken from :mod:`.server_create`, written
once); unknown fields are a 400.
"""
from __future__ import annotations

import base64
import binascii
import functools

from nubes.api.compute.schemas import common, server_create
from nubes.common.wsgi import errors

# Fields with the rules they have on create (those a window has).
FROM_CREATE = ("name", "adminPass", "metadata", "accessIPv4", "accessIPv6",
               "OS-DCF:diskConfig", "description", "hostname")
WINDOWS = ((2, 1), (2, 19), (2, 54), (2, 57), (2, 63), (2, 90), (2, 94))
MAX_CERTIFICATES = 50

_PERSONALITY = {"type": "array", "items": {
    "type": "object", "properties": {"path": {"type": "string", "minLength": 1},
                                     "contents": {"type": "string"}},
    "required": ["path", "contents"], "additionalProperties": False}}
_CERTIFICATES = {"type": ["array", "null"], "minItems": 1, "maxItems": MAX_CERTIFICATES,
                 "uniqueItems": True,
                 "items": {"type": "string", "minLength": 1, "maxLength": 255}}


@functools.lru_cache(maxsize=len(WINDOWS))
def _schema(window: tuple[int, int]) -> dict:
    create = server_create.schema(window)["properties"]["server"]["properties"]
    fields = {name: create[name] for name in FROM_CREATE if name in create}
    fields["imageRef"] = {"type": "string", "format": "uuid"}
    fields["preserve_ephemeral"] = common.BOOLEAN
    if window < (2, 57):
        fields["personality"] = _PERSONALITY
    else:
        fields["user_data"] = create["user_data"]
    if window >= (2, 54):
        fields["key_name"] = {"oneOf": [create["key_name"], {"type": "null"}]}
    if window >= (2, 63):
        fields["trusted_image_certificates"] = _CERTIFICATES
    return {"type": "object", "properties": fields, "required": ["imageRef"],
            "additionalProperties": False}


# (since, schema) for each window after the first: server_actions' schema_from.
SCHEMA = _schema(WINDOWS[0])
SCHEMA_FROM = tuple((window, _schema(window)) for window in WINDOWS[1:])


def personality(files: list[dict]) -> list[tuple[str, bytes]]:
    """(path, decoded contents) of each file; 400 when contents are not base64."""
    decoded = []
    for item in files:
        try:
            contents = base64.b64decode(item["contents"], validate=True)
        except (binascii.Error, ValueError):
            raise errors.BadRequest(f"Personality content for {item['path'][:255]} cannot "
                                    "be decoded") from None
        decoded.append((item["path"], contents))
    return decoded


def preserve_ephemeral(value) -> bool:
    return common.to_bool(value)
