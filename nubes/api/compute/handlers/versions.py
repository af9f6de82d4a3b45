"""Version documents (no token needed)."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.views import versions as view


def _base(req) -> str:
    return req.prefix


def get_versions(req, resp) -> None:
    respond.send(resp, view.versions(_base(req)))


def get_v2_1(req, resp) -> None:
    respond.send(resp, view.version(view.V2_1, _base(req)))


def get_v2_0(req, resp) -> None:
    respond.send(resp, view.version(view.V2_0, _base(req)))
