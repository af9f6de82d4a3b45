"""Handlers for /resource_classes (microversion 1.2+)."""
from __future__ import annotations

from nubes.placement.handlers import respond, validation
from nubes.placement.policies import resource_class as policy
from nubes.placement.schemas import resource_class as schema
from nubes.placement.service import resource_classes as service


def _link(name: str) -> dict:
    return {"name": name, "links": [{"rel": "self", "href": f"/resource_classes/{name}"}]}


def list_resource_classes(req, resp) -> None:
    respond.require_version(req, (1, 2))
    respond.authorize(req, policy.LIST)
    classes = service.list_classes(req.context.state.db)
    respond.send(req, resp, {"resource_classes": [_link(c.name) for c in classes]},
                 last_modified=respond.latest(*(c.updated_at or c.created_at for c in classes)))


def create_resource_class(req, resp) -> None:
    respond.require_version(req, (1, 2))
    respond.authorize(req, policy.CREATE)
    data = validation.read_json(req, schema.POST_RESOURCE_CLASS)
    service.create(req.context.state.db, data["name"])
    resp.status = 201
    resp.location = f"{req.prefix}/resource_classes/{data['name']}"


def get_resource_class(req, resp, name: str) -> None:
    respond.require_version(req, (1, 2))
    respond.authorize(req, policy.SHOW)
    rc = service.get(req.context.state.db, name)
    respond.send(req, resp, _link(rc.name), last_modified=rc.updated_at or rc.created_at)


def update_resource_class(req, resp, name: str) -> None:
    respond.require_version(req, (1, 2))
    respond.authorize(req, policy.UPDATE)
    db = req.context.state.db
    if req.context.version >= (1, 7):
        # Create-or-verify: no body, the name in the URL is the class,
        # validated as the body of a create would be.
        validation.check({"name": name}, schema.PUT_RESOURCE_CLASS_V1_2)
        created = service.ensure(db, name)
        # Unlike the other bodiless answers, no last-modified here.
        resp.location = f"{req.prefix}/resource_classes/{name}"
        resp.status = 201 if created else 204
        return
    data = validation.read_json(req, schema.PUT_RESOURCE_CLASS_V1_2)
    rc = service.rename(db, name, data["name"])
    respond.send(req, resp, _link(rc.name), last_modified=rc.updated_at)


def delete_resource_class(req, resp, name: str) -> None:
    respond.require_version(req, (1, 2))
    respond.authorize(req, policy.DELETE)
    service.delete(req.context.state.db, name)
    respond.no_content(resp)
