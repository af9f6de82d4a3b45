"""``POST /volumes/{id}/action`` bodies, one per action."""
from __future__ import annotations

from nubes.volume.api.schemas.common import BOOLEAN, KEY_VALUES, POSITIVE

STATUSES = ["available", "creating", "deleting", "error", "error_deleting", "error_extending",
            "error_restoring", "error_managing", "in-use", "attaching", "detaching",
            "reserved", "extending", "maintenance", "downloading", "uploading",
            "retyping", "backing-up", "restoring-backup", "awaiting-transfer"]
ATTACH_STATUSES = ["attached", "detached", "attaching", "detaching", "reserved",
                   "error_attaching", "error_detaching"]
MIGRATION_STATUSES = ["migrating", "error", "success", "completing", "none", "starting"]


def _action(name: str, value: dict) -> dict:
    return {"type": "object", "properties": {name: value}, "required": [name],
            "additionalProperties": False}


EXTEND = _action("os-extend", {"type": "object", "properties": {"new_size": POSITIVE},
                               "required": ["new_size"], "additionalProperties": False})
SET_BOOTABLE = _action("os-set_bootable", {
    "type": "object", "properties": {"bootable": BOOLEAN}, "required": ["bootable"],
    "additionalProperties": False})
RESET_STATUS = _action("os-reset_status", {
    "type": "object",
    "properties": {"status": {"type": "string", "enum": STATUSES},
                   "attach_status": {"type": "string", "enum": ATTACH_STATUSES},
                   "migration_status": {"type": ["string", "null"],
                                        "enum": MIGRATION_STATUSES + [None]}},
    "minProperties": 1,
    "additionalProperties": False})
FORCE_DELETE = _action("os-force_delete", {"type": ["object", "null"]})
BEGIN_DETACHING = _action("os-begin_detaching", {})
ROLL_DETACHING = _action("os-roll_detaching", {})

DISK_FORMATS = ["raw", "vmdk", "vdi", "qcow2", "vhd", "vhdx", "ploop"]
UPLOAD_IMAGE = _action("os-volume_upload_image", {
    "type": "object",
    "properties": {
        "image_name": {"type": "string", "minLength": 1, "maxLength": 255},
        "force": BOOLEAN,
        "disk_format": {"type": "string", "enum": DISK_FORMATS},
        "container_format": {"type": "string", "enum": ["bare"]},
        "visibility": {"type": "string", "enum": ["public", "private", "shared", "community"]},
        "protected": BOOLEAN,
    },
    "required": ["image_name"],
    "additionalProperties": False})
SET_IMAGE_METADATA = _action("os-set_image_metadata", {
    "type": "object", "properties": {"metadata": {**KEY_VALUES, "minProperties": 1}},
    "required": ["metadata"], "additionalProperties": False})
UNSET_IMAGE_METADATA = _action("os-unset_image_metadata", {
    "type": "object", "properties": {"key": {"type": "string", "minLength": 1,
                                             "maxLength": 255}},
    "required": ["key"], "additionalProperties": False})
SHOW_IMAGE_METADATA = _action("os-show_image_metadata", {"type": ["object", "null"]})
