"""Calls to an HTTP API served by this same process, handed straight to its
WSGI application.

The embedded cloud (``nubes up``) serves placement and the image API on
127.0.0.1 for users' clients, and its own scheduler, conductors and compute
hosts call them too.  Those calls need not go through a socket, an HTTP
parser and a server thread only to come back into the process they left:
:func:`register` names the WSGI app behind an endpoint, and the service
session (:mod:`nubes.common.http_session`) made for that endpoint is a
:class:`LocalSession`, which sends its requests to the app directly.  Everything else is the same as over
the network: the same client code and response objects, the same
middleware (request ids, authentication, policy, microversions), the same
bodies and status codes.  Deployments with one process per service
register nothing and use HTTP.
"""
from __future__ import annotations

import contextvars
import io
import json as _json
import threading
import urllib.parse
from typing import Any, Callable

import requests
from requests.structures import CaseInsensitiveDict

_APPS: dict[str, Callable] = {}
_LOCK = threading.Lock()


def register(endpoint: str, app: Callable) -> None:
    """Requests of service sessions made for ``endpoint`` from now on are
    handed to ``app``."""
    with _LOCK:
        _APPS[endpoint.rstrip("/")] = app


def unregister(endpoint: str) -> None:
    with _LOCK:
        _APPS.pop(endpoint.rstrip("/"), None)


def app_for(endpoint: str) -> Callable | None:
    with _LOCK:
        return _APPS.get(endpoint.rstrip("/"))


def _encode_params(params: Any) -> str:
    """Query parameters as ``requests`` encodes them: a dict or pairs, a
    list value repeats its key, ``None`` values are left out."""
    pairs = params.items() if isinstance(params, dict) else params
    out = []
    for key, values in pairs:
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = [values]
        out.extend((key, v) for v in values if v is not None)
    return urllib.parse.urlencode(out)


class LocalSession:
    """What the service clients use of a ``requests.Session`` (``headers``,
    ``request``, ``get``, ``close``), answered by a WSGI app in this
    process.  Responses are ``requests.Response`` objects, as over HTTP;
    ``requests``' per-request machinery (cookies, hooks, proxies,
    adapters) is skipped: none of it applies to a call that never leaves
    the process."""

    def __init__(self, endpoint: str, app: Callable):
        split = urllib.parse.urlsplit(endpoint)
        self.app = app
        self.headers: dict[str, str] = {}
        self._base = {
            "SCRIPT_NAME": "",
            "SERVER_NAME": split.hostname or "localhost",
            "SERVER_PORT": str(split.port or (443 if split.scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": split.scheme or "http",
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def request(self, method: str, url: str, *, params: Any = None, json: Any = None,
                data: bytes | str | None = None, headers: dict | None = None,
                timeout: Any = None) -> requests.Response:
        split = urllib.parse.urlsplit(url)
        query = split.query
        if params:
            encoded = _encode_params(params)
            query = f"{query}&{encoded}" if query and encoded else (query or encoded)
        merged = dict(self.headers)
        if headers:
            merged.update(headers)
        if json is not None:
            body = _json.dumps(json, allow_nan=False).encode("utf-8")
            merged.setdefault("Content-Type", "application/json")
        elif data is not None:
            body = data.encode("utf-8") if isinstance(data, str) else data
        else:
            body = b""
        environ = dict(self._base)
        environ.update({
            "REQUEST_METHOD": method.upper(),
            "PATH_INFO": urllib.parse.unquote(split.path) or "/",
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
        })
        for name, value in merged.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key != "CONTENT_LENGTH":
                environ["HTTP_" + key] = value

        started: list = []

        def start_response(status: str, response_headers: list, exc_info: Any = None):
            started[:] = [status, response_headers]
            return lambda _data: None     # the legacy write(): unused by our apps

        # In a copy of the caller's context: the app's middleware sets the
        # log request id to the callee's, which must not stick to the
        # caller's later log lines.
        content = contextvars.copy_context().run(_call_app, self.app, environ, start_response)

        status, response_headers = started
        response = requests.Response()
        response.status_code = int(status.split(" ", 1)[0])
        response.reason = status.partition(" ")[2]
        response.headers = CaseInsensitiveDict(response_headers)
        response._content = content
        response.encoding = "utf-8"
        response.url = url
        return response

    def close(self) -> None:
        pass


def _call_app(app: Callable, environ: dict, start_response: Callable) -> bytes:
    chunks = app(environ, start_response)
    try:
        return b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
