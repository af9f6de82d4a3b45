"""Version documents: ``GET /`` answers 300 Multiple Choices and
``GET /versions`` 200, both listing the v2 minor versions glance names
(all served by the same /v2 API)."""
from __future__ import annotations

from nubes.image.handlers import respond

CURRENT = 16


def _versions(req) -> dict:
    href = req.prefix + "/v2/"
    return {"versions": [
        {"id": f"v2.{minor}", "status": "CURRENT" if minor == CURRENT else "SUPPORTED",
         "links": [{"rel": "self", "href": href}]}
        for minor in range(CURRENT, -1, -1)]}


def get_root(req, resp) -> None:
    respond.send(resp, _versions(req), status=300)


def get_versions(req, resp) -> None:
    respond.send(resp, _versions(req))
