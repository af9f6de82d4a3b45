"""Flavor bodies.

* 2.55: ``description`` in every flavor body;
* 2.61: ``extra_specs`` in detailed bodies (show, detail, create, update);
* 2.75: ``swap`` is 0, not "", when the flavor has none.
"""
from __future__ import annotations

from nubes.cells.records import FlavorRecord


def links(url, flavorid: str) -> list[dict]:
    """``url(path, bookmark)`` builds absolute URLs (see handlers)."""
    return [{"rel": "self", "href": url(f"/flavors/{flavorid}", False)},
            {"rel": "bookmark", "href": url(f"/flavors/{flavorid}", True)}]


def brief(version, url, flavor: FlavorRecord) -> dict:
    view = {"id": flavor.flavorid, "name": flavor.name, "links": links(url, flavor.flavorid)}
    if version >= (2, 55):
        view["description"] = flavor.description
    return view


def detail(version, url, flavor: FlavorRecord) -> dict:
    swap = flavor.swap if (flavor.swap or version >= (2, 75)) else ""
    view = {
        "id": flavor.flavorid,
        "name": flavor.name,
        "ram": flavor.memory_mb,
        "disk": flavor.root_gb,
        "vcpus": flavor.vcpus,
        "swap": swap,
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
        "OS-FLV-DISABLED:disabled": flavor.disabled,
        "os-flavor-access:is_public": flavor.is_public,
        "rxtx_factor": flavor.rxtx_factor,
        "links": links(url, flavor.flavorid),
    }
    if version >= (2, 55):
        view["description"] = flavor.description
    if version >= (2, 61):
        view["extra_specs"] = dict(flavor.extra_specs)
    return view


def one(version, url, flavor: FlavorRecord) -> dict:
    return {"flavor": detail(version, url, flavor)}


def many(version, url, found: list[FlavorRecord], *, detailed: bool,
         next_href: str | None) -> dict:
    render = detail if detailed else brief
    body: dict = {"flavors": [render(version, url, f) for f in found]}
    if next_href:
        body["flavors_links"] = [{"rel": "next", "href": next_href}]
    return body


def access(flavorid: str, projects: list[str]) -> dict:
    return {"flavor_access": [{"flavor_id": flavorid, "tenant_id": p} for p in projects]}
