"""GET / and GET /v3: the version documents keystoneauth discovers with
(no token needed).  ``/`` answers 300 Multiple Choices, as Keystone does."""
from __future__ import annotations

from nubes.common.wsgi import body
from nubes.identity import errors

VERSION = "v3.14"
UPDATED = "2020-04-07T00:00:00Z"


def _v3(req) -> dict:
    return {
        "id": VERSION,
        "status": "stable",
        "updated": UPDATED,
        "links": [{"rel": "self", "href": f"{errors.identity_url(req)}/v3/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.identity-v3+json"}],
    }


def get_root(req, resp) -> None:
    body.send_json(resp, {"versions": {"values": [_v3(req)]}}, 300)


def get_v3(req, resp) -> None:
    body.send_json(resp, {"version": _v3(req)})
