"""The compute API's ``/images`` proxy (2.1-2.35; 404 from 2.36): list,
detail, show, delete, and an image's metadata (its custom properties):
``/images/{id}/metadata`` GET/POST/PUT and ``/metadata/{key}``
GET/PUT/DELETE.  The image API decides what the caller may see and do
(the caller's token goes with every call).

List filters: ``name``, ``status``, ``server`` (a server uuid or URL),
``type`` (``image_type``), ``property-<name>``, ``changes-since``,
``minRam``, ``minDisk``; paging ``limit`` (at most ``[api] max_limit``) and
``marker`` (an image id)."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.handlers.flavors import url_builder
from nubes.api.compute.schemas import servers as server_schema
from nubes.api.compute.service import images as service
from nubes.api.compute.views import collection_links as links_view
from nubes.api.compute.views import images as view

_LAST = (2, 35)
_PROPERTY = "property-"


def window(req) -> None:
    respond.require_version(req, (2, 1), _LAST)


def _api_params(req) -> list[tuple[str, str]]:
    params = []
    for name, value in sorted(links_view.request_params(req)):
        if name == "name":
            params.append(("name", value))
        elif name == "status":
            params.append(("status", value.lower()))
        elif name == "server":
            params.append(("instance_uuid", value.rstrip("/").rsplit("/", 1)[-1]))
        elif name == "type":
            params.append(("image_type", value))
        elif name.startswith(_PROPERTY) and len(name) > len(_PROPERTY):
            params.append((name[len(_PROPERTY):], value))
    return params


def _query(req) -> service.ImageQuery:
    query = service.ImageQuery(
        limit=respond.query_limit(req, respond.state(req).conf.api.max_limit),
        marker=respond.query(req, "marker"), api_params=_api_params(req))
    since = respond.query(req, "changes-since")
    if since is not None:
        query.changes_since = server_schema.timestamp(since, "changes-since")
    for name, field in (("minRam", "min_ram"), ("minDisk", "min_disk")):
        value = respond.query(req, name)
        if value is not None:
            setattr(query, field, respond.parse_int(value, name))
    return query


def _list(req, resp, *, detail: bool) -> None:
    window(req)
    query = _query(req)
    found = service.list_images(respond.state(req), respond.ctx(req), query)
    url, endpoint = url_builder(req), respond.state(req).images.endpoint
    shape = view.detail if detail else view.basic
    body = {"images": [shape(i, url, endpoint) for i in found]}
    if found and len(found) == query.limit:
        path = "/images/detail" if detail else "/images"
        body["images_links"] = links_view.next_links(
            respond.url(req, path), links_view.request_params(req), found[-1].id)
    respond.send(resp, body)


def list_images(req, resp) -> None:
    _list(req, resp, detail=False)


def list_images_detail(req, resp) -> None:
    _list(req, resp, detail=True)


def show_image(req, resp, image_id: str) -> None:
    window(req)
    image = service.get_image(respond.state(req), respond.ctx(req), image_id)
    respond.send(resp, {"image": view.detail(image, url_builder(req),
                                             respond.state(req).images.endpoint)})


def delete_image(req, resp, image_id: str) -> None:
    window(req)
    service.delete_image(respond.state(req), respond.ctx(req), image_id)
    respond.empty(resp, 204)
