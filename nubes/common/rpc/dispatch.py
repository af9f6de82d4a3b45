"""Which endpoint method a request runs, and whether its version fits.

Endpoints are plain objects.  A request for ``method`` runs the first
endpoint whose class defines a public function of that name (names starting
with ``_`` are never callable, nor are attributes that are not methods of the
class: an injected helper object is not an RPC method) as
``method(ctx, **args)``.

An endpoint may declare ``RPC_API_VERSION = "X.Y"``: it then accepts
requests for versions ``X.0`` up to ``X.Y``.  Without it, any version.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

from nubes.common.context import RequestContext
from nubes.common.rpc.envelope import Request
from nubes.common.rpc.errors import NoSuchMethod, UnsupportedVersion


def parse_version(version: str) -> tuple[int, int]:
    major, _, minor = str(version).partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        raise UnsupportedVersion(str(version)) from None


def version_fits(requested: str, supported: str | None) -> bool:
    if supported is None:
        return True
    want, have = parse_version(requested), parse_version(supported)
    return want[0] == have[0] and want[1] <= have[1]


def public_method(endpoint: object, name: str) -> Callable[..., Any] | None:
    if not name.isidentifier() or name.startswith("_"):
        return None
    attr = inspect.getattr_static(type(endpoint), name, None)
    if not inspect.isfunction(attr):
        return None
    return getattr(endpoint, name)


class Dispatcher:
    def __init__(self, endpoints: Sequence[object]):
        if not endpoints:
            raise ValueError("an RPC server needs at least one endpoint")
        self.endpoints = list(endpoints)

    def dispatch(self, ctx: RequestContext, request: Request) -> Any:
        version_mismatch = False
        for endpoint in self.endpoints:
            method = public_method(endpoint, request.method)
            if method is None:
                continue
            if not version_fits(request.version, getattr(endpoint, "RPC_API_VERSION", None)):
                version_mismatch = True
                continue
            return method(ctx, **request.args)
        if version_mismatch:
            raise UnsupportedVersion(request.version, request.method)
        raise NoSuchMethod(request.method)
