"""/os-aggregates: create, list, show, update, delete and actions
(add_host, remove_host, set_metadata).  Ids in URLs are integers (400
otherwise, as compute validates them); an integer no aggregate can have
(zero, negative, past what the id column holds) is a 404 without a query."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import aggregates as policy
from nubes.api.compute.schemas import aggregates as schema
from nubes.api.compute.service import aggregates as service
from nubes.api.compute.views import aggregates as view
from nubes.common.wsgi import errors

_MAX_ID = 2**31 - 1   # the aggregates.id INTEGER column


def _id(aggregate_id: str) -> int:
    text = aggregate_id.strip()
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 40:
        raise errors.BadRequest(f"Invalid aggregate id '{aggregate_id}': must be an "
                                "integer.")
    number = int(text)
    if not 1 <= number <= _MAX_ID:
        raise errors.NotFound(f"Aggregate {aggregate_id} could not be found.")
    return number


def list_aggregates(req, resp) -> None:
    respond.authorize(req, policy.INDEX)
    respond.send(resp, view.many(respond.version(req),
                                 service.list_aggregates(respond.state(req))))


def create_aggregate(req, resp) -> None:
    respond.authorize(req, policy.CREATE)
    data = respond.read_body(req, schema.CREATE)["aggregate"]
    created = service.create(respond.state(req), data["name"], data.get("availability_zone"))
    respond.send(resp, view.one(respond.version(req), created, full=False))


def show_aggregate(req, resp, aggregate_id: str) -> None:
    respond.authorize(req, policy.SHOW)
    found = service.get(respond.state(req), _id(aggregate_id))
    respond.send(resp, view.one(respond.version(req), found))


def update_aggregate(req, resp, aggregate_id: str) -> None:
    respond.authorize(req, policy.UPDATE)
    number = _id(aggregate_id)
    data = respond.read_body(req, schema.UPDATE)["aggregate"]
    updated = service.update(respond.state(req), respond.ctx(req), number, **data)
    respond.send(resp, view.one(respond.version(req), updated))


def delete_aggregate(req, resp, aggregate_id: str) -> None:
    respond.authorize(req, policy.DELETE)
    service.delete(respond.state(req), _id(aggregate_id))
    respond.empty(resp, 200)


def aggregate_action(req, resp, aggregate_id: str) -> None:
    number = _id(aggregate_id)
    data = respond.read_body(req, schema.ACTION)
    (action, args), = data.items()
    state, ctx = respond.state(req), respond.ctx(req)
    if action == "add_host":
        respond.authorize(req, policy.ADD_HOST)
        result = service.add_host(state, ctx, number, args["host"])
    elif action == "remove_host":
        respond.authorize(req, policy.REMOVE_HOST)
        result = service.remove_host(state, ctx, number, args["host"])
    else:
        respond.authorize(req, policy.SET_METADATA)
        result = service.set_metadata(state, ctx, number, args["metadata"])
    respond.send(resp, view.one(respond.version(req), result))
