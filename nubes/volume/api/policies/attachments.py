"""Attachment rules (cinder's names)."""
from nubes.volume.api.policies.base import MEMBER, READER, rule

CREATE = "volume:attachment_create"
UPDATE = "volume:attachment_update"
DELETE = "volume:attachment_delete"
COMPLETE = "volume:attachment_complete"
GET = "volume:attachment_get"
MULTIATTACH_BOOTABLE = "volume:multiattach_bootable_volume"

_A = "/attachments/{attachment_id}"


def list_rules():
    return [
        rule(CREATE, MEMBER, "Create an attachment.", "POST", "/attachments"),
        rule(UPDATE, MEMBER, "Connect an attachment.", "PUT", _A),
        rule(DELETE, MEMBER, "Delete an attachment.", "DELETE", _A),
        rule(COMPLETE, MEMBER, "Mark an attachment attached.", "POST", _A + "/action"),
        rule(GET, READER, "Show or list attachments.", "GET", _A),
        rule(MULTIATTACH_BOOTABLE, MEMBER, "Attach a bootable multiattach volume again.",
             "POST", "/attachments"),
    ]
