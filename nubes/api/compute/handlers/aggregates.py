"""/os-aggregates: create, list, show, update, delete and actions
(add_host, remove_host, set_metadata).  Ids in URLs are integers."""
from __future__ import annotations

from nubes.api.compute.handlers import request
from nubes.api.compute.policies import aggregates as policy
from nubes.api.compute.schemas import aggregates as schema
from nubes.api.compute.service import aggregates as service
from nubes.api.compute.views import aggregates as view


def _id(aggregate_id: str) -> int:
    return request.parse_int(aggregate_id, "aggregate id")


def list_aggregates(req, resp) -> None:
    request.authorize(req, policy.INDEX)
    request.send(resp, view.many(request.version(req),
                                 service.list_aggregates(request.state(req))))


def create_aggregate(req, resp) -> None:
    request.authorize(req, policy.CREATE)
    data = request.read_body(req, schema.CREATE)["aggregate"]
    created = service.create(request.state(req), data["name"], data.get("availability_zone"))
    request.send(resp, view.one(request.version(req), created, full=False))


def show_aggregate(req, resp, aggregate_id: str) -> None:
    request.authorize(req, policy.SHOW)
    found = service.get(request.state(req), _id(aggregate_id))
    request.send(resp, view.one(request.version(req), found))


def update_aggregate(req, resp, aggregate_id: str) -> None:
    request.authorize(req, policy.UPDATE)
    number = _id(aggregate_id)
    data = request.read_body(req, schema.UPDATE)["aggregate"]
    updated = service.update(request.state(req), request.ctx(req), number, **data)
    request.send(resp, view.one(request.version(req), updated))


def delete_aggregate(req, resp, aggregate_id: str) -> None:
    request.authorize(req, policy.DELETE)
    service.delete(request.state(req), _id(aggregate_id))
    request.empty(resp, 200)


def aggregate_action(req, resp, aggregate_id: str) -> None:
    number = _id(aggregate_id)
    data = request.read_body(req, schema.ACTION)
    (action, args), = data.items()
    state, ctx = request.state(req), request.ctx(req)
    if action == "add_host":
        request.authorize(req, policy.ADD_HOST)
        result = service.add_host(state, ctx, number, args["host"])
    elif action == "remove_host":
        request.authorize(req, policy.REMOVE_HOST)
        result = service.remove_host(state, ctx, number, args["host"])
    else:
        request.authorize(req, policy.SET_METADATA)
        result = service.set_metadata(state, ctx, number, args["metadata"])
    request.send(resp, view.one(request.version(req), result))
