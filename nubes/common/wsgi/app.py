"""The WSGI app factory every nubes API uses.

The middleware stack is fixed and short; in request order:

0. access log   - added by :func:`build_app` in front of the API's own list:
                  one line per request once everything else has answered
                  (:mod:`nubes.common.wsgi.access_log`, ``[api] access_log``)
1. request id   - every later step, and every log line, can name the request
2. state        - hands the service's shared objects (database, policy) to handlers
3. CORS         - only when ``[cors] allowed_origin`` is set; answers preflights
                  before auth so browsers can ask without a token
4. auth         - turns identity headers (noauth2) or keystonemiddleware's
                  results into a RequestContext; 401 without a token
5. microversion - picks the version the handler must speak
6. no NUL        - added by :func:`build_app` after the API's own list: a NUL
                  in the path or query string is a 400 (as in bodies, see
                  :mod:`nubes.common.wsgi.body`), on every backend alike

Errors raised anywhere are rendered by the API's own ``render_error`` in
its JSON shape; anything unexpected becomes a logged 500 here and nowhere
else (the fault wrapper).
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Iterable

import falcon

from nubes.common.wsgi import body, errors
from nubes.common.wsgi.access_log import AccessLogMiddleware

LOG = logging.getLogger(__name__)

Handler = Callable[..., None]
RouteTable = Iterable[tuple[str, dict[str, Handler]]]
ErrorRenderer = Callable[[Any, errors.HTTPError], tuple[bytes, str]]
ExceptionMapper = Callable[[Exception], "errors.HTTPError | None"]


MethodNotAllowedFactory = Callable[[Any, list[str]], errors.HTTPError]


class _Route:
    """A URL's methods: ``on_get`` etc. bound to plain handler functions.

    With ``not_allowed``, every other method (OPTIONS included) answers
    that factory's 405 naming only the route's own methods, instead of
    Falcon's defaults (an OPTIONS responder, an Allow listing OPTIONS).
    """

    def __init__(self, methods: dict[str, Handler],
                 not_allowed: MethodNotAllowedFactory | None = None):
        for method, handler in methods.items():
            setattr(self, "on_" + method.lower(), handler)
        if not_allowed is None:
            return
        allowed = list(methods)

        def refuse(req, resp, **_params):
            raise not_allowed(req, allowed)

        for method in falcon.constants.COMBINED_METHODS:
            if method not in methods:
                setattr(self, "on_" + method.lower(), refuse)


class StateMiddleware:
    def __init__(self, state: Any):
        self.state = state

    def process_request(self, req, resp) -> None:
        req.context.state = self.state


class _RejectNul:
    def process_request(self, req, resp) -> None:
        query = req.query_string or ""
        if "\x00" in req.path or "%00" in query or "\x00" in query:
            raise errors.BadRequest(body.NUL_MESSAGE)


def _falcon_to_http_error(exc: falcon.HTTPError) -> errors.HTTPError:
    status = int(exc.status_code)
    cls = next((c for c in errors.HTTPError.__subclasses__() if c.status == status), None)
    if status == 404:
        detail = "The resource could not be found."
    elif status == 405:
        detail = "The method specified is not allowed for this resource."
    else:
        detail = exc.description or exc.title or ""
    err = (cls or errors.HTTPError)(detail, headers=dict(exc.headers or {}))
    if cls is None:
        err.status = status
    return err


def build_app(*, middleware: list, routes: RouteTable, render_error: ErrorRenderer,
              map_exception: ExceptionMapper | None = None,
              method_not_allowed: MethodNotAllowedFactory | None = None) -> falcon.App:
    """``method_not_allowed``: see :class:`_Route` (default: Falcon's 405s
    and OPTIONS answers)."""
    app = falcon.App(middleware=[AccessLogMiddleware(), *middleware, _RejectNul()],
                     cors_enable=False)
    app.req_options.keep_blank_qs_values = True
    app.req_options.auto_parse_qs_csv = False
    app.req_options.strip_url_path_trailing_slash = False
    for template, methods in routes:
        app.add_route(template, _Route(methods, method_not_allowed))

    def render(req, resp, err: errors.HTTPError) -> None:
        body, content_type = render_error(req, err)
        resp.status = err.status
        resp.content_type = content_type
        resp.data = body
        for name, value in err.headers.items():
            resp.set_header(name, value)

    def on_http_error(req, resp, exc, params):
        render(req, resp, exc)

    def on_falcon_error(req, resp, exc, params):
        render(req, resp, _falcon_to_http_error(exc))

    def on_exception(req, resp, exc, params):
        mapped = map_exception(exc) if map_exception else None
        if mapped is None:
            LOG.exception("unexpected error serving %s %s", req.method, req.path)
            mapped = errors.InternalServerError(
                "An unexpected error prevented the server from fulfilling your request.")
        render(req, resp, mapped)

    app.add_error_handler(Exception, on_exception)
    app.add_error_handler(falcon.HTTPError, on_falcon_error)
    app.add_error_handler(errors.HTTPError, on_http_error)
    return app


def param_list(req, name: str) -> list[str]:
    """Every value of a query parameter, repeated or not, in order."""
    value = req.params.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
