"""HTTP errors that handlers raise; each API renders them in its own shape.

Domain exceptions (raised by services) know nothing of HTTP: every API
registers a table mapping them to one of these.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Callable, Sequence


class HTTPError(Exception):
    status = 500

    def __init__(self, detail: str = "", *, code: str | None = None,
                 headers: dict[str, str] | None = None, body_extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.headers = headers or {}
        # Extra fields some clients read from the error body (406's
        # min_version/max_version in placement).
        self.body_extra = body_extra or {}

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase


class BadRequest(HTTPError):
    status = 400


class Unauthorized(HTTPError):
    status = 401


class Forbidden(HTTPError):
    status = 403


class NotFound(HTTPError):
    status = 404


class MethodNotAllowed(HTTPError):
    status = 405


class NotAcceptable(HTTPError):
    status = 406


class Conflict(HTTPError):
    status = 409


class RequestEntityTooLarge(HTTPError):
    status = 413


class UnsupportedMediaType(HTTPError):
    status = 415


class InternalServerError(HTTPError):
    status = 500


def exception_mapper(mapping: Sequence[tuple[type[Exception], type[HTTPError]]]
                     ) -> Callable[[Exception], HTTPError | None]:
    """A ``map_exception`` for :func:`nubes.common.wsgi.app.build_app`: the
    HTTP error of the first domain class ``error`` is an instance of, with
    ``str(error)`` as its detail (None: not a domain error, a 500)."""
    def map_exception(error: Exception) -> HTTPError | None:
        for domain_cls, http_cls in mapping:
            if isinstance(error, domain_cls):
                return http_cls(str(error))
        return None
    return map_exception
