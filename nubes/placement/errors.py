"""Placement error codes and the JSON error body.

Codes are stable strings, never reused; the body is
``{"errors": [{"status", "title", "detail", "request_id", "code"}]}`` with
``code`` from microversion 1.23.
"""
from __future__ import annotations

import html

import orjson

from nubes.common.wsgi import errors
from nubes.placement import exceptions as exc
from nubes.placement import negotiation

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
    (exc.ReshapeProviderNotFound, errors.BadRequest, PROVIDER_NOT_FOUND),
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


# The sentence OpenStack Placement's web framework puts before the detail
# of an HTML or plain-text error page.
_EXPLANATIONS = {
    401: "This server could not verify that you are authorized to access the document "
         "you requested.  Either you supplied the wrong credentials (e.g., bad password), "
         "or your browser does not understand how to supply the credentials required.",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    409: "There was a conflict when trying to complete your request.",
    413: "The request is larger than the server is willing or able to process.",
}
_CLIENT_ERROR = ("The server could not comply with the request since it is either "
                 "malformed or otherwise incorrect.")
_SERVER_ERROR = ("The server has either erred or is incapable of performing the "
                 "requested operation.")
METHOD_NOT_ALLOWED = "The method specified is not allowed for this resource."


def method_not_allowed(req, allowed: list[str]) -> errors.HTTPError:
    """The 405 of a method a route does not have: ``Allow`` names the
    route's methods only (OPTIONS is one only when CORS answers it)."""
    return errors.MethodNotAllowed(METHOD_NOT_ALLOWED, headers={"Allow": ", ".join(allowed)})


def _explanation(req, status: int) -> str:
    if status == 405:
        return f"The method {req.method} is not allowed for this resource."
    if status in _EXPLANATIONS:
        return _EXPLANATIONS[status]
    return _SERVER_ERROR if status >= 500 else _CLIENT_ERROR


def _status_line(error: errors.HTTPError) -> str:
    return f"{error.status} {error.title}"


def _html_page(req, error: errors.HTTPError) -> bytes:
    status = html.escape(_status_line(error))
    return (f"<html>\n <head>\n  <title>{status}</title>\n </head>\n <body>\n"
            f"  <h1>{status}</h1>\n  {html.escape(_explanation(req, error.status))}"
            f"<br /><br />\n{html.escape(error.detail)}\n\n\n </body>\n</html>").encode()


def _plain_page(req, error: errors.HTTPError) -> bytes:
    return (f"{_status_line(error)}\n\n{_explanation(req, error.status)}\n\n"
            f" {error.detail}  ").encode()


def render_error(req, error: errors.HTTPError) -> tuple[bytes, str]:
    media_type = negotiation.error_media_type(req.get_header("Accept"))
    if media_type == negotiation.HTML:
        return _html_page(req, error), "text/html; charset=UTF-8"
    if media_type == negotiation.PLAIN:
        return _plain_page(req, error), "text/plain; charset=UTF-8"
    detail = error.detail
    if error.status == 405:
        detail = f"{_explanation(req, 405)} \n\n {detail}"
    entry: dict = {
        "status": error.status,
        "title": error.title,
        "detail": detail,
        "request_id": getattr(req.context, "request_id", None),
    }
    version = getattr(req.context, "version", None)
    if version is not None and version >= (1, 23):
        entry["code"] = error.code or UNDEFINED
    entry.update(error.body_extra)
    return orjson.dumps({"errors": [entry]}), "application/json"
