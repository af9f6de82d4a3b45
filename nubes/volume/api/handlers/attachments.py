"""``/attachments`` (3.27+; ``os-complete`` 3.44+, ``mode`` 3.54+)."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.volume.api import microversions as mv
from nubes.volume.api.handlers import listing, respond
from nubes.volume.api.policies import attachments as rules
from nubes.volume.api.policies import volumes as volume_rules
from nubes.volume.api.schemas import attachments as schemas
from nubes.volume.api.service import attachments as service
from nubes.volume.api.views import attachments as views
from nubes.volume.repo.attachments import FILTER_COLUMNS, SORT_COLUMNS

_IGNORED = (*listing.PAGING, "all_tenants")


def create_attachment(req, resp, project_id=None) -> None:
    respond.require_version(req, mv.ATTACHMENTS)
    respond.authorize(req, rules.CREATE)
    data = respond.read_body(req, schemas.CREATE)["attachment"]
    mode = data.get("mode")
    if mode is not None and respond.version(req) < mv.ATTACH_MODE:
        raise errors.BadRequest("Invalid input: mode needs microversion 3.54 or later.")
    found = service.create(respond.state(req), respond.ctx(req), data["volume_uuid"],
                           instance_uuid=data.get("instance_uuid"),
                           connector=data.get("connector") or None, mode=mode)
    respond.send(resp, {"attachment": views.detail(found)})


def update_attachment(req, resp, attachment_id, project_id=None) -> None:
    respond.require_version(req, mv.ATTACHMENTS)
    respond.authorize(req, rules.UPDATE)
    data = respond.read_body(req, schemas.UPDATE)["attachment"]
    found = service.update(respond.state(req), respond.ctx(req), attachment_id,
                           data["connector"])
    respond.send(resp, {"attachment": views.detail(found)})


def attachment_action(req, resp, attachment_id, project_id=None) -> None:
    respond.require_version(req, mv.ATTACHMENT_COMPLETE)
    respond.authorize(req, rules.COMPLETE)
    respond.read_body(req, schemas.ACTION)
    service.complete(respond.db(req), respond.ctx(req), attachment_id)
    respond.empty(resp, 204)


def delete_attachment(req, resp, attachment_id, project_id=None) -> None:
    respond.require_version(req, mv.ATTACHMENTS)
    respond.authorize(req, rules.DELETE)
    remaining = service.delete(respond.state(req), respond.ctx(req), attachment_id)
    respond.send(resp, {"attachments": [views.summary(a) for a in remaining]})


def show_attachment(req, resp, attachment_id, project_id=None) -> None:
    respond.require_version(req, mv.ATTACHMENTS)
    respond.authorize(req, rules.GET)
    found = service.get(respond.db(req), respond.ctx(req), attachment_id)
    respond.send(resp, {"attachment": views.detail(found)})


def _filters(req) -> dict:
    ctx = respond.ctx(req)
    admin = respond.allowed(req, volume_rules.ALL_TENANTS)
    filters = {}
    if not (admin and respond.query_bool(req, "all_tenants")):
        filters["project_id"] = ctx.project_id
    strict = respond.version(req) >= mv.FILTERS_STRICT and not admin
    for name in req.params:
        if name in _IGNORED:
            continue
        if name not in FILTER_COLUMNS or (name == "project_id" and not admin):
            if strict:
                raise errors.BadRequest(f"Invalid filter keys: {name}")
            continue
        filters[name] = respond.query(req, name)
    return filters


def _list(req, resp, detail: bool) -> None:
    respond.require_version(req, mv.ATTACHMENTS)
    respond.authorize(req, rules.GET)
    found = service.list_attachments(
        respond.db(req), respond.ctx(req), _filters(req),
        listing.sort(req, SORT_COLUMNS, [("created_at", "desc")]),
        limit=listing.limit(req), offset=listing.offset(req), marker=listing.marker(req))
    show = views.detail if detail else views.summary
    respond.send(resp, {"attachments": [show(a) for a in found]})


def list_attachments(req, resp, project_id=None) -> None:
    _list(req, resp, detail=False)


def list_attachments_detail(req, resp, project_id=None) -> None:
    _list(req, resp, detail=True)
