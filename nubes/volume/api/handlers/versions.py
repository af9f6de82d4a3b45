"""Version documents as cinder serves them: ``GET /`` answers 300 and
``GET /v3`` (or ``/v3/``) 200, both with a ``versions`` list holding the
v3 entry, whose ``version`` and ``min_version`` clients negotiate from."""
from __future__ import annotations

from nubes.volume.api import microversions
from nubes.volume.api.handlers import respond

UPDATED = "2023-08-31T00:00:00Z"


def _versions(req) -> dict:
    return {"versions": [{
        "id": "v3.0",
        "status": "CURRENT",
        "version": str(microversions.MAX),
        "min_version": str(microversions.MIN),
        "updated": UPDATED,
        "links": [{"rel": "describedby", "type": "text/html",
                   "href": "https://docs.openstack.org/"},
                  {"rel": "self", "href": req.prefix + "/v3/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.volume+json;version=3"}],
    }]}


def get_root(req, resp) -> None:
    respond.send(resp, _versions(req), status=300)


def get_v3(req, resp) -> None:
    respond.send(resp, _versions(req))
