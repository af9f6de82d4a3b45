"""The image API's error body, in glance's shape::

    {"code": "404 Not Found", "title": "Not Found", "message": "..."}
"""
from __future__ import annotations

import orjson

from nubes.common.wsgi import errors
from nubes.image import exceptions as exc


class Gone(errors.HTTPError):
    status = 410


class RangeNotSatisfiable(errors.HTTPError):
    status = 416


class ServiceUnavailable(errors.HTTPError):
    status = 503


_MAPPING: list[tuple[type[Exception], type[errors.HTTPError]]] = [
    (exc.NotFound, errors.NotFound),
    (exc.Invalid, errors.BadRequest),
    (exc.Forbidden, errors.Forbidden),
    (exc.Conflict, errors.Conflict),
    (exc.TooLarge, errors.RequestEntityTooLarge),
    (exc.Gone, Gone),
    (exc.Unavailable, ServiceUnavailable),
]


map_exception = errors.exception_mapper(_MAPPING)


def render_error(req, error: errors.HTTPError) -> tuple[bytes, str]:
    status = int(error.status)
    return orjson.dumps({"code": f"{status} {error.title}", "title": error.title,
                         "message": error.detail or error.title}), "application/json"
