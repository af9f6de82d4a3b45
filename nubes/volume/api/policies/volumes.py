"""Volume rules (cinder's names)."""
from nubes.volume.api.policies.base import ADMIN, MEMBER, READER, rule

CREATE = "volume:create"
GET = "volume:get"
GET_ALL = "volume:get_all"
UPDATE = "volume:update"
DELETE = "volume:delete"
FORCE_DELETE = "volume:force_delete"
EXTEND = "volume:extend"
EXTEND_ATTACHED = "volume:extend_attached_volume"
BOOTABLE = "volume_extension:volume_actions:set_bootable"
BEGIN_DETACHING = "volume_extension:volume_actions:begin_detaching"
ROLL_DETACHING = "volume_extension:volume_actions:roll_detaching"
RESET_STATUS = "volume_extension:volume_admin_actions:reset_status"
METADATA_GET = "volume:get_volume_metadata"
METADATA_CREATE = "volume:create_volume_metadata"
METADATA_UPDATE = "volume:update_volume_metadata"
METADATA_DELETE = "volume:delete_volume_metadata"
HOST_ATTRIBUTE = "volume_extension:volume_host_attribute"
MIG_ATTRIBUTE = "volume_extension:volume_mig_status_attribute"
TENANT_ATTRIBUTE = "volume_extension:volume_tenant_attribute"
ALL_TENANTS = "volume:get_all_tenants"
UPLOAD_IMAGE = "volume_extension:volume_actions:upload_image"
UPLOAD_PUBLIC = "volume_extension:volume_actions:upload_public"
IMAGE_METADATA_SET = "volume_extension:volume_image_metadata:set"
IMAGE_METADATA_REMOVE = "volume_extension:volume_image_metadata:remove"
IMAGE_METADATA_SHOW = "volume_extension:volume_image_metadata:show"

_V = "/volumes/{volume_id}"
_ACTION = _V + "/action"


def list_rules():
    return [
        rule(CREATE, MEMBER, "Create a volume.", "POST", "/volumes"),
        rule(GET, READER, "Show a volume.", "GET", _V),
        rule(GET_ALL, READER, "List volumes.", "GET", "/volumes"),
        rule(ALL_TENANTS, ADMIN, "List the volumes of every project.", "GET", "/volumes"),
        rule(UPDATE, MEMBER, "Update a volume.", "PUT", _V),
        rule(DELETE, MEMBER, "Delete a volume.", "DELETE", _V),
        rule(FORCE_DELETE, ADMIN, "Delete a volume in any state (os-force_delete).", "POST",
             _ACTION),
        rule(EXTEND, MEMBER, "Extend a volume.", "POST", _ACTION),
        rule(EXTEND_ATTACHED, MEMBER, "Extend an in-use volume (3.42+).", "POST", _ACTION),
        rule(BOOTABLE, MEMBER, "Mark a volume bootable or not.", "POST", _ACTION),
        rule(BEGIN_DETACHING, MEMBER, "Begin detaching a volume.", "POST", _ACTION),
        rule(ROLL_DETACHING, MEMBER, "Roll back a volume's detaching.", "POST", _ACTION),
        rule(RESET_STATUS, ADMIN, "Reset a volume's status fields.", "POST", _ACTION),
        rule(METADATA_GET, READER, "Show a volume's metadata.", "GET", _V + "/metadata"),
        rule(METADATA_CREATE, MEMBER, "Add volume metadata.", "POST", _V + "/metadata"),
        rule(METADATA_UPDATE, MEMBER, "Replace volume metadata.", "PUT", _V + "/metadata"),
        rule(METADATA_DELETE, MEMBER, "Delete a volume metadata key.", "DELETE",
             _V + "/metadata/{key}"),
        rule(HOST_ATTRIBUTE, ADMIN, "See os-vol-host-attr:host.", "GET", _V),
        rule(MIG_ATTRIBUTE, ADMIN, "See migration status fields.", "GET", _V),
        rule(UPLOAD_IMAGE, MEMBER, "Upload a volume to a new image.", "POST", _ACTION),
        rule(UPLOAD_PUBLIC, ADMIN, "Upload a volume to a new public image.", "POST", _ACTION),
        rule(IMAGE_METADATA_SET, MEMBER, "Set a volume's image metadata.", "POST", _ACTION),
        rule(IMAGE_METADATA_REMOVE, MEMBER, "Remove a volume's image metadata key.", "POST",
             _ACTION),
        rule(IMAGE_METADATA_SHOW, READER, "Show a volume's image metadata.", "POST", _ACTION),
        rule(TENANT_ATTRIBUTE, READER, "See os-vol-tenant-attr:tenant_id.", "GET", _V),
    ]
