"""GET / : the version document (no token needed)."""
from __future__ import annotations

from nubes.placement import microversions
from nubes.placement.handlers import respond


def get_root(req, resp) -> None:
    """From 1.15 with last-modified (now) and cache-control, as every GET."""
    respond.send(req, resp, {"versions": [{
        "id": "v1.0",
        "max_version": str(microversions.MAXIMUM),
        "min_version": str(microversions.MINIMUM),
        "status": "CURRENT",
        "links": [{"rel": "self", "href": ""}],
    }]})
