"""The body of ``POST /servers``, by microversion.

One JSON schema per microversion window (built once, cached): 2.19 adds
``description``, 2.37 makes ``networks`` required and allows the strings
``auto``/``none``, 2.52 adds ``tags``, 2.74 ``host``/``hypervisor_hostname``
(admin), 2.90 ``hostname`` (a host name of at most 63 characters), 2.94
``hostname`` as an FQDN of at most 255 (sanitised by :func:`hostname`).  Unknown keys are a 400, as in OpenStack
compute.  What a schema cannot say (base64, min <= max, hostname with a
multi-create) is checked in :func:`check`.
"""
from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
from typing import Any

from nubes.common.wsgi import errors

MAX_USER_DATA = 65535
MAX_TAGS = 50
MAX_BDMS = 64
# A server name: printable, no leading or trailing blanks.
_NAME = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^(?![\s])[^\x00-\x1f\x7f]*(?<![\s])$"}
_STRING_255 = {"type": "string", "maxLength": 255}
_COUNT = {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 1}
_BOOLISH = {"type": ["boolean", "string"],
            "enum": [True, False, "True", "False", "true", "false", "1", "0", "yes", "no",
                     "on", "off", "t", "f", "y", "n"]}
_TAG = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": r"^[^,/]*$"}
_NETWORK = {"type": "object", "additionalProperties": False,
            "properties": {"uuid": {"type": "string"}, "port": {"type": ["string", "null"]},
                           "fixed_ip": {"type": "string"}, "tag": _TAG}}
_BDM = {"type": "object", "properties": {
    "boot_index": {"type": ["integer", "string", "null"], "pattern": "^-?[0-9]+$"},
    "uuid": {"type": "string", "pattern": "^[a-zA-Z0-9._-]{1,255}$"},
    "source_type": {"type": "string", "enum": ["image", "volume", "snapshot", "blank"]},
    "destination_type": {"type": "string", "enum": ["local", "volume"]},
    "volume_size": {"type": ["integer", "string", "null"], "pattern": "^[0-9]+$",
                    "minimum": 0},
    "delete_on_termination": _BOOLISH,
    "device_name": {"type": ["string", "null"]},
    "disk_bus": {"type": ["string", "null"]},
    "device_type": {"type": ["string", "null"]},
    "guest_format": {"type": ["string", "null"]},
    "no_device": {}, "connection_info": {}, "snapshot_id": {}, "volume_id": {},
    "image_id": {}, "tag": _TAG, "volume_type": {"type": ["string", "null"]}}}
_HINTS = {"type": "object", "properties": {
    "group": {"type": "string", "format": "uuid"},
    "same_host": {"type": ["string", "array"], "items": {"type": "string"}},
    "different_host": {"type": ["string", "array"], "items": {"type": "string"}},
    "query": {"type": ["string", "object"]},
    "target_cell": {"type": "string"},
    "build_near_host_ip": {"type": "string"},
    "cidr": {"type": "string"}}}

# 2.90: one label.  2.94: a fully qualified name; letters, digits, '-',
# '.' and '_' (sanitised into a DNS name by hostname()).
_HOSTNAME = {"type": "string", "minLength": 1, "maxLength": 63,
             "pattern": r"^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$"}
_FQDN = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[a-zA-Z0-9._-]*$"}
MAX_LABEL = 63


@functools.lru_cache(maxsize=16)
def _schema(description: bool, networks_required: bool, tags: bool, host: bool,
            hostname: bool | str) -> dict:
    networks: dict[str, Any] = {"type": "array", "items": _NETWORK}
    if networks_required:
        networks = {"oneOf": [networks, {"type": "string", "enum": ["auto", "none"]}]}
    server: dict[str, Any] = {
        "name": _NAME,
        "imageRef": {"type": "string", "maxLength": 1024},
        "flavorRef": {"type": ["string", "integer"], "minLength": 1},
        "networks": networks,
        "adminPass": {"type": "string"},
        "metadata": {"type": "object",
                     "patternProperties": {"^.{1,255}$": _STRING_255},
                     "additionalProperties": False},
        "availability_zone": {"type": "string", "minLength": 1, "maxLength": 255},
        "key_name": {"type": "string", "minLength": 1, "maxLength": 255},
        "user_data": {"type": ["string", "null"]},
        "min_count": _COUNT,
        "max_count": _COUNT,
        "return_reservation_id": _BOOLISH,
        "config_drive": _BOOLISH,
        "security_groups": {"type": "array", "items": {
            "type": "object", "properties": {"name": {"type": "string"}},
            "additionalProperties": False}},
        "block_device_mapping_v2": {"type": "array", "items": _BDM, "maxItems": MAX_BDMS},
        "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
        "accessIPv4": {"type": "string", "format": "ipv4"},
        "accessIPv6": {"type": "string", "format": "ipv6"},
    }
    if description:
        server["description"] = {"type": ["string", "null"], "maxLength": 255}
    if tags:
        server["tags"] = {"type": "array", "items": _TAG, "maxItems": MAX_TAGS}
    if host:
        server["host"] = {"type": "string", "minLength": 1, "maxLength": 255}
        server["hypervisor_hostname"] = {"type": "string", "minLength": 1, "maxLength": 255}
    if hostname == "fqdn":
        server["hostname"] = _FQDN
    elif hostname:
        server["hostname"] = _HOSTNAME
    required = ["name", "flavorRef"] + (["networks"] if networks_required else [])
    return {
        "type": "object",
        "properties": {
            "server": {"type": "object", "properties": server, "required": required,
                       "additionalProperties": False},
            "os:scheduler_hints": _HINTS,
            "OS-SCH-HNT:scheduler_hints": _HINTS,
        },
        "required": ["server"],
        "additionalProperties": False,
    }


def schema(version) -> dict:
    return _schema(version >= (2, 19), version >= (2, 37), version >= (2, 52),
                   version >= (2, 74), "fqdn" if version >= (2, 94) else version >= (2, 90))


def access_ip(value: str | None) -> str | None:
    """An access address the schema accepted, in its normal form
    (``::babe:dc0c:1602``, not ``0:0:0:0:0:babe:220.12.22.2``)."""
    return None if value is None else str(ipaddress.ip_address(value))


def hostname(value: str | None, version) -> str | None:
    """A requested hostname as stored.  From 2.94 an FQDN is sanitised into
    a DNS name: lower case, '_' to '-', empty labels (``a..b``, a leading
    or trailing dot) dropped and each label's leading and trailing '-'
    stripped; a label past 63 characters or nothing left is a 400."""
    if value is None or version < (2, 94):
        return value
    labels = [label.strip("-") for label in value.lower().replace("_", "-").split(".")]
    labels = [label for label in labels if label]
    if not labels:
        raise _bad("hostname", value, "It does not contain a host name.")
    long = next((label for label in labels if len(label) > MAX_LABEL), None)
    if long is not None:
        raise _bad("hostname", value, f"The label '{long}' is longer than {MAX_LABEL} "
                   "characters.")
    return ".".join(labels)


def boolish(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes", "on", "t", "y")


def _bad(field: str, value: Any, why: str) -> errors.BadRequest:
    return errors.BadRequest(f"Invalid input for field/attribute {field}. "
                             f"Value: {value}. {why}")


def counts(server: dict) -> tuple[int, int]:
    """(min_count, max_count): min_count defaults to 1, max_count to min_count."""
    lo = int(server["min_count"]) if "min_count" in server else None
    hi = int(server["max_count"]) if "max_count" in server else None
    for name, value in (("min_count", lo), ("max_count", hi)):
        if value is not None and value < 1:
            raise _bad(name, value, "0 is less than the minimum of 1")
    lo = lo or 1
    hi = hi or lo
    if lo > hi:
        raise errors.BadRequest(f"min_count ({lo}) must be <= max_count ({hi})")
    return lo, hi


def user_data(value: str | None) -> str | None:
    if not value:
        return None
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad("user_data", value[:50], "'user_data' is not base64 encoded") from None
    if len(value) > MAX_USER_DATA:
        raise _bad("user_data", value[:50], f"longer than {MAX_USER_DATA} characters")
    del decoded
    return value


def image_id(ref: str) -> str:
    """The id in ``imageRef`` or ``flavorRef`` (an id, or a URL ending in one)."""
    return ref.rstrip("/").rsplit("/", 1)[-1]
