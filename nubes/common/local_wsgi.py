"""Calls to an HTTP API served by this same process, handed straight to its
WSGI application.

The embedded cloud (``nubes up``) serves placement and the image API on
127.0.0.1 for users' clients, and its own scheduler, conductors and compute
hosts call them too.  Those calls need not go through a socket, an HTTP
parser and a server thread only to come back into the process they left:
:func:`register` names the WSGI app behind an endpoint, and the service
sessions (:mod:`nubes.common.http_session`) made for that endpoint send
their requests to the app directly.  Everything else is the same as over
the network: the same client code and response objects, the same
middleware (request ids, authentication, policy, microversions), the same
bodies and status codes.  Deployments with one process per service
register nothing and use HTTP.
"""
from __future__ import annotations

import io
import threading
import urllib.parse
from typing import Any, Callable

import requests
from requests.adapters import BaseAdapter
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


class WSGIAdapter(BaseAdapter):
    """A ``requests`` transport adapter that calls a WSGI application."""

    def __init__(self, app: Callable):
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        url = urllib.parse.urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        environ = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": urllib.parse.unquote(url.path) or "/",
            "QUERY_STRING": url.query,
            "SERVER_NAME": url.hostname or "localhost",
            "SERVER_PORT": str(url.port or (443 if url.scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key != "CONTENT_LENGTH":
                environ["HTTP_" + key] = value

        started: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None):
            started["status"], started["headers"] = status, headers
            return lambda _data: None     # the legacy write(): unused by our apps

        chunks = self.app(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

        response = requests.Response()
        response.status_code = int(started["status"].split(" ", 1)[0])
        response.reason = started["status"].partition(" ")[2]
        response.headers = CaseInsensitiveDict(started["headers"])
        response._content = content
        response.raw = io.BytesIO(content)
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass
