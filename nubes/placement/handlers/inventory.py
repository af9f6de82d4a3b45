"""Handlers for /resource_providers/{uuid}/inventories[/{resource_class}]."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.placement.handlers import respond, validation
from nubes.placement.policies import inventory as policy
from nubes.placement.schemas import inventory as schema
from nubes.placement.service import inventories as service


def _collection(state: service.ProviderInventories) -> dict:
    return {"resource_provider_generation": state.generation,
            "inventories": {name: inv.fields() for name, inv in state.inventories.items()}}


def _single(state: service.ProviderInventories, resource_class: str) -> dict:
    return {**state.inventories[resource_class].fields(),
            "resource_provider_generation": state.generation}


def _reserved_may_equal_total(req) -> bool:
    return req.context.version >= (1, 26)


def get_inventories(req, resp, uuid: str) -> None:
    respond.authorize(req, policy.LIST)
    state = service.list_for_provider(req.context.state.db, uuid)
    respond.send(req, resp, _collection(state), last_modified=state.last_modified)


def set_inventories(req, resp, uuid: str) -> None:
    respond.authorize(req, policy.UPDATE)
    data = validation.read_json(req, schema.PUT_INVENTORIES)
    records = [service.Inventory.from_record(name, record)
               for name, record in data["inventories"].items()]
    state = service.replace_all(req.context.state.db, uuid,
                                data["resource_provider_generation"], records,
                                reserved_may_equal_total=_reserved_may_equal_total(req))
    respond.send(req, resp, _collection(state), last_modified=state.last_modified)


def create_inventory(req, resp, uuid: str) -> None:
    respond.authorize(req, policy.CREATE)
    data = validation.read_json(req, schema.POST_INVENTORY)
    name = data["resource_class"]
    # A generation in the body is accepted and ignored: only the PUTs check it.
    state = service.create(req.context.state.db, uuid,
                           service.Inventory.from_record(name, data),
                           reserved_may_equal_total=_reserved_may_equal_total(req))
    # Absolute, as placement's is: scheme, host and the app's mount point.
    resp.location = f"{req.prefix}/resource_providers/{uuid}/inventories/{name}"
    respond.send(req, resp, _single(state, name), status=201,
                 last_modified=state.inventories[name].last_modified)


def delete_inventories(req, resp, uuid: str) -> None:
    if req.context.version < (1, 5):
        raise errors.MethodNotAllowed("The method specified is not allowed for this resource.",
                                      headers={"Allow": "GET, POST, PUT"})
    respond.authorize(req, policy.DELETE)
    service.delete_all(req.context.state.db, uuid)
    respond.no_content(resp)


def get_inventory(req, resp, uuid: str, resource_class: str) -> None:
    respond.authorize(req, policy.SHOW)
    state = service.get(req.context.state.db, uuid, resource_class)
    respond.send(req, resp, _single(state, resource_class),
                 last_modified=state.inventories[resource_class].last_modified)


def update_inventory(req, resp, uuid: str, resource_class: str) -> None:
    respond.authorize(req, policy.UPDATE)
    data = validation.read_json(req, schema.PUT_INVENTORY)
    state = service.update(req.context.state.db, uuid, data["resource_provider_generation"],
                           service.Inventory.from_record(resource_class, data),
                           reserved_may_equal_total=_reserved_may_equal_total(req))
    respond.send(req, resp, _single(state, resource_class),
                 last_modified=state.inventories[resource_class].last_modified)


def delete_inventory(req, resp, uuid: str, resource_class: str) -> None:
    respond.authorize(req, policy.DELETE)
    service.delete(req.context.state.db, uuid, resource_class)
    respond.no_content(resp)
