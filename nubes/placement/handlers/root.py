"""GET / : the version document (no token needed)."""
from __future__ import annotations

from nubes.common.wsgi import body
from nubes.placement import microversions


def get_root(req, resp) -> None:
    body.send_json(resp, {"versions": [{
        "id": "v1.0",
        "max_version": str(microversions.MAXIMUM),
        "min_version": str(microversions.MINIMUM),
        "status": "CURRENT",
        "links": [{"rel": "self", "href": ""}],
    }]})
