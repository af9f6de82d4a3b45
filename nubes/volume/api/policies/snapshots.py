"""Snapshot rules (cinder's names)."""
from nubes.volume.api.policies.base import ADMIN, MEMBER, READER, rule

CREATE = "volume:create_snapshot"
GET = "volume:get_snapshot"
GET_ALL = "volume:get_all_snapshots"
ALL_TENANTS = "volume:get_all_snapshots_all_tenants"
UPDATE = "volume:update_snapshot"
DELETE = "volume:delete_snapshot"
EXTENDED_ATTRIBUTES = "volume_extension:extended_snapshot_attributes"
RESET_STATUS = "volume_extension:snapshot_admin_actions:reset_status"
FORCE_DELETE = "volume_extension:snapshot_admin_actions:force_delete"
METADATA_GET = "volume:get_snapshot_metadata"
METADATA_UPDATE = "volume:update_snapshot_metadata"
METADATA_DELETE = "volume:delete_snapshot_metadata"

_S = "/snapshots/{snapshot_id}"
_ACTION = _S + "/action"


def list_rules():
    return [
        rule(CREATE, MEMBER, "Create a snapshot.", "POST", "/snapshots"),
        rule(GET, READER, "Show a snapshot.", "GET", _S),
        rule(GET_ALL, READER, "List snapshots.", "GET", "/snapshots"),
        rule(ALL_TENANTS, ADMIN, "List the snapshots of every project.", "GET", "/snapshots"),
        rule(UPDATE, MEMBER, "Update a snapshot.", "PUT", _S),
        rule(DELETE, MEMBER, "Delete a snapshot.", "DELETE", _S),
        rule(EXTENDED_ATTRIBUTES, READER, "See a snapshot's progress and project.", "GET", _S),
        rule(RESET_STATUS, ADMIN, "Reset a snapshot's status.", "POST", _ACTION),
        rule(FORCE_DELETE, ADMIN, "Delete a snapshot in any state.", "POST", _ACTION),
        rule(METADATA_GET, READER, "Show a snapshot's metadata.", "GET", _S + "/metadata"),
        rule(METADATA_UPDATE, MEMBER, "Add or replace snapshot metadata.", "PUT",
             _S + "/metadata"),
        rule(METADATA_DELETE, MEMBER, "Delete a snapshot metadata key.", "DELETE",
             _S + "/metadata/{key}"),
    ]
