"""/flavors: list (brief and detail), show, create, update (2.55+,
description only) and delete; the access list and access actions of
private flavors are in ``flavor_access``, extra specs in
``flavor_extra_specs``."""
from __future__ import annotations

import urllib.parse

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import flavors as policy
from nubes.api.compute.schemas import common
from nubes.api.compute.schemas import flavors as schema
from nubes.api.compute.service import flavors as service
from nubes.api.compute.views import flavors as view
from nubes.common.wsgi import errors


def url_builder(req):
    """``(path, bookmark) -> absolute URL`` for flavor links: self links
    are versioned, bookmarks are not (both keep a project id the caller
    put in the URL)."""
    def build(path: str, bookmark: bool) -> str:
        if not bookmark:
            return respond.url(req, path)
        project_id = getattr(req.context, "url_project_id", None)
        return req.prefix + (f"/{project_id}" if project_id else "") + path
    return build


def _is_public(req) -> bool | None:
    value = respond.query(req, "is_public")
    if value is None:
        return True
    if value.strip().lower() == "none":
        return None
    try:
        return respond.query_bool(req, "is_public")
    except errors.BadRequest:
        raise errors.BadRequest(f"Invalid is_public filter [{value}]") from None


def _minimum(req, name: str) -> int | None:
    value = respond.query(req, name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise errors.BadRequest(f"Invalid {name} filter [{value}]")
    # Flavor sizes are 32-bit: a larger minimum matches none, on every
    # backend (an integer past 64 bits is an error to some of them).
    return min(number, 2**31)


def _listing(req) -> service.Listing:
    sort_key = respond.query(req, "sort_key") or "flavorid"
    sort_dir = respond.query(req, "sort_dir") or "asc"
    if sort_key not in service.SORT_KEYS:
        raise errors.BadRequest(f"Invalid sort_key [{sort_key}]: must be one of "
                                f"{', '.join(service.SORT_KEYS)}.")
    if sort_dir not in ("asc", "desc"):
        raise errors.BadRequest(f"Invalid sort_dir [{sort_dir}]: must be asc or desc.")
    return service.Listing(
        is_public=_is_public(req), min_memory_mb=_minimum(req, "minRam"),
        min_root_gb=_minimum(req, "minDisk"), sort_key=sort_key, sort_dir=sort_dir,
        limit=respond.query_limit(req, req.context.state.conf.api.max_limit),
        marker=respond.query(req, "marker"))


def _next_href(req, path: str, found, limit: int) -> str | None:
    if not found or len(found) < limit:
        return None
    params = [(k, v) for k, values in req.params.items() if k != "marker"
              for v in (values if isinstance(values, list) else [values])]
    params.append(("marker", found[-1].flavorid))
    return respond.url(req, path) + "?" + urllib.parse.urlencode(params)


def _list(req, resp, *, detailed: bool, path: str) -> None:
    listing = _listing(req)
    found = service.list_flavors(respond.state(req), respond.ctx(req), listing)
    respond.send(resp, view.many(respond.version(req), url_builder(req), found,
                                 detailed=detailed,
                                 next_href=_next_href(req, path, found, listing.limit)))


def list_flavors(req, resp) -> None:
    _list(req, resp, detailed=False, path="/flavors")


def list_flavors_detail(req, resp) -> None:
    _list(req, resp, detailed=True, path="/flavors/detail")


def show_flavor(req, resp, flavor_id: str) -> None:
    found = service.get(respond.state(req), respond.ctx(req), flavor_id)
    respond.send(resp, view.one(respond.version(req), url_builder(req), found))


def _int_field(data: dict, field: str, minimum: int, default: int | None = None) -> int:
    if field not in data:
        return default
    try:
        return schema.to_int(data[field], field, minimum)
    except ValueError as error:
        raise errors.BadRequest(str(error)) from None


def create_flavor(req, resp) -> None:
    respond.authorize(req, policy.CREATE)
    version = respond.version(req)
    body = respond.read_body(req, schema.CREATE_V255 if version >= (2, 55)
                             else schema.CREATE_V21)["flavor"]
    try:
        rxtx = schema.to_rxtx(body["rxtx_factor"]) if "rxtx_factor" in body else 1.0
    except ValueError as error:
        raise errors.BadRequest(str(error)) from None
    created = service.create(
        respond.state(req), flavorid=schema.to_flavorid(body.get("id")), name=body["name"],
        memory_mb=_int_field(body, "ram", 1), vcpus=_int_field(body, "vcpus", 1),
        root_gb=_int_field(body, "disk", 0),
        ephemeral_gb=_int_field(body, "OS-FLV-EXT-DATA:ephemeral", 0, 0),
        swap=_int_field(body, "swap", 0, 0), rxtx_factor=rxtx,
        is_public=common.to_bool(body.get("os-flavor-access:is_public", True)),
        description=body.get("description"))
    respond.send(resp, view.one(version, url_builder(req), created))


def update_flavor(req, resp, flavor_id: str) -> None:
    respond.require_version(req, (2, 55))
    respond.authorize(req, policy.UPDATE)
    description = respond.read_body(req, schema.UPDATE)["flavor"]["description"]
    updated = service.update_description(respond.state(req), respond.ctx(req), flavor_id,
                                         description)
    respond.send(resp, view.one(respond.version(req), url_builder(req), updated))


def delete_flavor(req, resp, flavor_id: str) -> None:
    respond.authorize(req, policy.DELETE)
    service.delete(respond.state(req), respond.ctx(req), flavor_id)
    respond.empty(resp, 202)
