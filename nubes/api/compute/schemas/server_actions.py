"""Bodies of ``POST /servers/{id}/action``, one schema per action (the
body is ``{"<action>": <value>}``; the value's schema is here)."""
from __future__ import annotations

from nubes.api.compute.schemas.common import AZ_NAME, BOOLEAN, HOSTNAME, NAME
from nubes.api.compute.schemas.server_metadata import METADATA

ANY = {}                                   # nova validates nothing for these
NULL = {"type": "null"}
NULL_OR_EMPTY = {"type": ["null", "object"], "additionalProperties": False}

REBOOT = {"type": "object", "properties": {
    "type": {"type": "string", "enum": ["SOFT", "HARD", "soft", "hard"]}},
    "required": ["type"], "additionalProperties": False}

LOCK_V273 = {"type": ["object", "null"], "properties": {
    "locked_reason": {"type": "string", "minLength": 1, "maxLength": 255}},
    "additionalProperties": False}

_UUID = {"type": "string", "format": "uuid"}

UNSHELVE_V277 = {"type": ["object", "null"], "properties": {
    "availability_zone": AZ_NAME}, "additionalProperties": False}
UNSHELVE_V291 = {"type": ["object", "null"], "properties": {
    "availability_zone": {"oneOf": [AZ_NAME, {"type": "null"}]},
    "host": HOSTNAME}, "additionalProperties": False}
RESCUE = {"type": ["object", "null"], "properties": {
    "adminPass": {"type": "string", "maxLength": 255},
    "rescue_image_ref": _UUID}, "additionalProperties": False}

CHANGE_PASSWORD = {"type": "object", "properties": {
    "adminPass": {"type": "string", "maxLength": 255}},
    "required": ["adminPass"], "additionalProperties": False}

CONSOLE_OUTPUT = {"type": ["object", "null"], "properties": {
    "length": {"type": ["integer", "string", "null"], "pattern": "^-?[0-9]+$",
               "minimum": -1}},
    "additionalProperties": False}

RESET_STATE = {"type": "object", "properties": {
    "state": {"type": "string", "enum": ["active", "error"]}},
    "required": ["state"], "additionalProperties": False}

CREATE_IMAGE = {"type": "object", "properties": {"name": NAME, "metadata": METADATA},
                "required": ["name"], "additionalProperties": False}

_NON_NEGATIVE = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 0,
                 "maximum": 2 ** 31 - 1, "minLength": 1, "maxLength": 10}
CREATE_BACKUP = {"type": "object", "properties": {
    "name": NAME, "backup_type": {"type": "string", "maxLength": 255},
    "rotation": _NON_NEGATIVE, "metadata": METADATA},
    "required": ["name", "backup_type", "rotation"], "additionalProperties": False}

RESIZE = {"type": "object", "properties": {
    "flavorRef": {"type": ["string", "integer"], "minLength": 1, "maxLength": 255},
    "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]}},
    "required": ["flavorRef"], "additionalProperties": False}

MIGRATE_V256 = {"type": ["object", "null"], "properties": {
    "host": {"oneOf": [HOSTNAME, {"type": "null"}]}}, "additionalProperties": False}

_ADMIN_PASS = {"type": "string", "maxLength": 255}
EVACUATE = {"type": "object", "properties": {
    "host": HOSTNAME, "onSharedStorage": BOOLEAN, "adminPass": _ADMIN_PASS},
    "required": ["onSharedStorage"], "additionalProperties": False}
EVACUATE_V214 = {"type": "object", "properties": {"host": HOSTNAME, "adminPass": _ADMIN_PASS},
                 "additionalProperties": False}
EVACUATE_V229 = {"type": "object", "properties": {
    "host": HOSTNAME, "adminPass": _ADMIN_PASS, "force": BOOLEAN},
    "additionalProperties": False}

_BLOCK = {"oneOf": [BOOLEAN, {"enum": ["auto"]}]}
MIGRATE_LIVE = {"type": "object", "properties": {
    "host": {"oneOf": [HOSTNAME, {"type": "null"}]}, "block_migration": BOOLEAN,
    "disk_over_commit": BOOLEAN},
    "required": ["block_migration", "disk_over_commit", "host"],
    "additionalProperties": False}
MIGRATE_LIVE_V225 = {"type": "object", "properties": {
    "host": {"oneOf": [HOSTNAME, {"type": "null"}]}, "block_migration": _BLOCK},
    "required": ["block_migration", "host"], "additionalProperties": False}
MIGRATE_LIVE_V230 = {"type": "object", "properties": {
    "host": {"oneOf": [HOSTNAME, {"type": "null"}]}, "block_migration": _BLOCK,
    "force": BOOLEAN}, "required": ["block_migration", "host"],
    "additionalProperties": False}
