"""Handlers for /resource_providers/{uuid}/aggregates (1.1+)."""
from __future__ import annotations

from nubes.placement import uuids
from nubes.placement.handlers import respond, validation
from nubes.placement.policies import aggregate as policy
from nubes.placement.schemas import aggregate as schema
from nubes.placement.service import aggregates as service


def _view(req, result: service.ProviderAggregates) -> dict:
    view = {"aggregates": result.aggregates}
    if req.context.version >= (1, 19):
        view["resource_provider_generation"] = result.generation
    return view


# Last-modified is now for both: the answer is a set of associations, and
# when an association was made says nothing useful about the set.

def get_aggregates(req, resp, uuid: str) -> None:
    respond.require_version(req, (1, 1))
    respond.authorize(req, policy.LIST)
    respond.send(req, resp, _view(req, service.for_provider(req.context.state.db, uuid)))


def set_aggregates(req, resp, uuid: str) -> None:
    respond.require_version(req, (1, 1))
    respond.authorize(req, policy.UPDATE)
    # An unknown provider is a 404 whatever the body (placement looks the
    # provider up first).
    service.for_provider(req.context.state.db, uuid)
    if req.context.version >= (1, 19):
        data = validation.read_json(req, schema.PUT_AGGREGATES_V1_19)
        aggregates, generation = data["aggregates"], data["resource_provider_generation"]
    else:
        aggregates, generation = validation.read_json(req, schema.PUT_AGGREGATES), None
    # Spellings of one uuid name one aggregate.
    aggregates = list(dict.fromkeys(uuids.canonical(a) for a in aggregates))
    result = service.set_for_provider(req.context.state.db, uuid, aggregates,
                                      generation=generation)
    respond.send(req, resp, _view(req, result))
