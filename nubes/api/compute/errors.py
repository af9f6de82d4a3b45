"""The compute API's fault body: ``{"<faultName>": {"code", "message"}}``.

The fault name follows the status as OpenStack compute names it; 413 and
429 add ``retryAfter`` when a Retry-After header goes with them.
"""
from __future__ import annotations

import orjson

from nubes.api.compute import exceptions as exc
from nubes.common.wsgi import errors

FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}
DEFAULT_FAULT = "computeFault"


class NotImplementedFault(errors.HTTPError):
    status = 501


class ServiceUnavailable(errors.HTTPError):
    status = 503


_MAPPING: list[tuple[type[Exception], type[errors.HTTPError]]] = [
    (exc.NotFound, errors.NotFound),
    (exc.Invalid, errors.BadRequest),
    (exc.Conflict, errors.Conflict),
    (exc.Unavailable, ServiceUnavailable),
    (exc.Forbidden, errors.Forbidden),
    (exc.NotImplementedByHost, NotImplementedFault),
]


map_exception = errors.exception_mapper(_MAPPING)


def render_error(req, error: errors.HTTPError) -> tuple[bytes, str]:
    status = int(error.status)
    fault = {"code": status, "message": error.detail or error.title}
    retry_after = error.headers.get("Retry-After")
    if status in (413, 429) and retry_after:
        fault["retryAfter"] = retry_after
    name = FAULT_NAMES.get(status, DEFAULT_FAULT)
    return orjson.dumps({name: fault}), "application/json"
