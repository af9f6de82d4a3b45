"""Placement error codes and the JSON error body.

Codes are stable strings, never reused; the body is
``{"errors": [{"status", "title", "detail", "request_id", "code"}]}`` with
``code`` from microversion 1.23.
"""
from __future__ import annotations

import orjson

from nubes.common.wsgi import errors
from nubes.placement import exceptions as exc

CONCURRENT_UPDATE = "placement.concurrent_update"
DUPLICATE_NAME = "placement.duplicate_name"
INVENTORY_INUSE = "placement.inventory.inuse"
PROVIDER_IN_USE = "placement.resource_provider.inuse"
PROVIDER_CANNOT_DELETE_PARENT = "placement.resource_provider.cannot_delete_parent"
PROVIDER_NOT_FOUND = "placement.resource_provider.not_found"
QUERY_BAD_VALUE = "placement.query.bad_value"
QUERY_DUPLICATE_KEY = "placement.query.duplicate_key"
QUERY_MISSING_VALUE = "placement.query.missing_value"
UNDEFINED = "placement.undefined_code"

# Domain exception -> (HTTP error class, code).  Most specific first.
_MAPPING: list[tuple[type[Exception], type[errors.HTTPError], str]] = [
    (exc.ResourceProviderNotFound, errors.NotFound, PROVIDER_NOT_FOUND),
    (exc.NotFound, errors.NotFound, UNDEFINED),
    (exc.InvalidQuery, errors.BadRequest, QUERY_BAD_VALUE),
    (exc.MissingQueryValue, errors.BadRequest, QUERY_MISSING_VALUE),
    (exc.DuplicateQueryKey, errors.BadRequest, QUERY_DUPLICATE_KEY),
    (exc.Invalid, errors.BadRequest, UNDEFINED),
    (exc.StandardNameReadOnly, errors.BadRequest, UNDEFINED),
    (exc.Duplicate, errors.Conflict, DUPLICATE_NAME),
    (exc.ConcurrentUpdate, errors.Conflict, CONCURRENT_UPDATE),
    # Placement answers a POST of an inventory the provider already has as
    # an update conflict.
    (exc.InventoryExists, errors.Conflict, CONCURRENT_UPDATE),
    (exc.InventoryInUse, errors.Conflict, INVENTORY_INUSE),
    (exc.ProviderInUse, errors.Conflict, PROVIDER_IN_USE),
    (exc.CannotDeleteParent, errors.Conflict, PROVIDER_CANNOT_DELETE_PARENT),
    (exc.Conflict, errors.Conflict, UNDEFINED),
]


def map_exception(error: Exception) -> errors.HTTPError | None:
    for domain_cls, http_cls, code in _MAPPING:
        if isinstance(error, domain_cls):
            return http_cls(str(error), code=code)
    return None


def render_error(req, error: errors.HTTPError) -> tuple[bytes, str]:
    entry: dict = {
        "status": error.status,
        "title": error.title,
        "detail": error.detail,
        "request_id": getattr(req.context, "request_id", None),
    }
    version = getattr(req.context, "version", None)
    if version is not None and version >= (1, 23):
        entry["code"] = error.code or UNDEFINED
    entry.update(error.body_extra)
    return orjson.dumps({"errors": [entry]}), "application/json"
