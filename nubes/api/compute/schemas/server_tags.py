"""Tags of ``/servers/{id}/tags`` (2.26+): a tag is 1-60 characters
without ``/`` or ``,`` (the rule of tags on create, taken from
:mod:`.server_create`); ``PUT /tags`` takes ``{"tags": [...]}`` of at most
50."""
from __future__ import annotations

from typing import Any

from nubes.api.compute.schemas import server_create
from nubes.common.wsgi import body, errors

TAG: dict[str, Any] = \
    server_create.schema((2, 52))["properties"]["server"]["properties"]["tags"]["items"]
MAX_TAGS = server_create.MAX_TAGS
REPLACE = {
    "type": "object",
    "properties": {"tags": {"type": "array", "items": TAG, "maxItems": MAX_TAGS}},
    "required": ["tags"],
    "additionalProperties": False,
}


def check_tag(tag: str) -> str:
    """A tag from a URL; 400 unless it follows the tag rule."""
    if not body.validator_for(TAG).is_valid(tag):
        raise errors.BadRequest(f"Tag '{tag}' is invalid. It must be a non empty string "
                                "without characters '/' and ','.")
    return tag
