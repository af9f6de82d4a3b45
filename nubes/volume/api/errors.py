"""The volume API's fault body, in cinder's shape::

    {"itemNotFound": {"code": 404, "message": "..."}}
"""
from __future__ import annotations

import orjson

from nubes.common.wsgi import errors
from nubes.volume import exceptions as exc

FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    501: "notImplemented",
    503: "serviceUnavailable",
}
DEFAULT_FAULT = "computeFault"

_MAPPING: list[tuple[type[Exception], type[errors.HTTPError]]] = [
    (exc.NotFound, errors.NotFound),
    (exc.Invalid, errors.BadRequest),
    (exc.Forbidden, errors.Forbidden),
    (exc.Conflict, errors.Conflict),
    (exc.OverQuota, errors.RequestEntityTooLarge),
]

map_exception = errors.exception_mapper(_MAPPING)


def render_error(req, error: errors.HTTPError) -> tuple[bytes, str]:
    status = int(error.status)
    fault = {"code": status, "message": error.detail or error.title}
    name = FAULT_NAMES.get(status, DEFAULT_FAULT)
    return orjson.dumps({name: fault}), "application/json"
