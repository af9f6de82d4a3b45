"""UUIDs as placement compares them: the canonical form (lower case, with
dashes) of whatever spelling a client sent, so that ``ABCD...`` and a
dash-less ``abcd...`` name the same provider, aggregate or consumer."""
from __future__ import annotations

import uuid as uuidlib


def canonical(value):
    """``value``'s canonical form, or ``value`` itself if it is no UUID
    (validation, or a lookup that finds nothing, deals with it)."""
    if not isinstance(value, str):
        return value
    try:
        return str(uuidlib.UUID(value))
    except ValueError:
        return value


def canonical_or_none(value: str) -> str | None:
    try:
        return str(uuidlib.UUID(value))
    except (ValueError, TypeError, AttributeError):
        return None


class PathUUIDMiddleware:
    """Canonicalise the ``{uuid}`` path parameter before any handler runs."""

    def process_resource(self, req, resp, resource, params) -> None:
        if "uuid" in params:
            params["uuid"] = canonical(params["uuid"])
