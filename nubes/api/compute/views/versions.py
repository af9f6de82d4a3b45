"""Version documents: the list at ``/``, one version at ``/v2.1`` and ``/v2/``."""
from __future__ import annotations

from nubes.api.compute import microversions

V2_0 = {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
        "updated": "2011-01-21T11:33:21Z", "path": "/v2/",
        "media_type": "application/vnd.openstack.compute+json;version=2"}
V2_1 = {"id": "v2.1", "status": "CURRENT", "version": str(microversions.MAXIMUM),
        "min_version": str(microversions.MINIMUM), "updated": "2013-07-23T11:33:21Z",
        "path": "/v2.1/", "media_type": "application/vnd.openstack.compute+json;version=2.1"}


def _version(info: dict, base_url: str, *, full: bool) -> dict:
    doc = {"id": info["id"], "status": info["status"], "version": info["version"],
           "min_version": info["min_version"], "updated": info["updated"],
           "links": [{"rel": "self", "href": base_url + info["path"]}]}
    if full:
        doc["links"].append({"rel": "describedby", "type": "text/html",
                             "href": "https://docs.openstack.org/"})
        doc["media-types"] = [{"base": "application/json", "type": info["media_type"]}]
    return doc


def versions(base_url: str) -> dict:
    return {"versions": [_version(V2_0, base_url, full=False),
                         _version(V2_1, base_url, full=False)]}


def version(info: dict, base_url: str) -> dict:
    return {"version": _version(info, base_url, full=True)}
