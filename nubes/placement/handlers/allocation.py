"""Handlers for /allocations, /allocations/{consumer_uuid} and
/resource_providers/{uuid}/allocations."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.placement import uuids
from nubes.placement.handlers import respond, validation
from nubes.placement.policies import allocation as policy
from nubes.placement.policies import resource_provider as rp_policy
from nubes.placement.schemas import allocation as schema
from nubes.placement.service import allocations as service

# Shown for consumers written before microversion 1.38 (no type recorded).
UNKNOWN_CONSUMER_TYPE = "unknown"


canonical_uuid = uuids.canonical_or_none


def list_for_consumer(req, resp, consumer_uuid: str) -> None:
    respond.authorize(req, policy.LIST)
    version = req.context.version
    # Any string is accepted: a consumer that was never written simply has
    # no allocations.
    found = service.for_consumer(req.context.state.db,
                                 canonical_uuid(consumer_uuid) or consumer_uuid)
    by_provider: dict[str, dict] = {}
    for alloc in found.allocations:
        entry = by_provider.setdefault(alloc.provider_uuid,
                                       {"generation": alloc.provider_generation,
                                        "resources": {}})
        entry["resources"][alloc.resource_class] = alloc.used
    view: dict = {"allocations": by_provider}
    if found.allocations and version >= (1, 12):
        view["project_id"] = found.project_id
        view["user_id"] = found.user_id
        if version >= (1, 28):
            view["consumer_generation"] = found.generation
        if version >= (1, 38):
            view["consumer_type"] = found.consumer_type or UNKNOWN_CONSUMER_TYPE
    respond.send(req, resp, view, last_modified=found.last_modified)


def list_for_resource_provider(req, resp, uuid: str) -> None:
    respond.authorize(req, rp_policy.ALLOCATIONS_LIST)
    found = service.for_provider(req.context.state.db, uuid)
    show_generation = req.context.version >= (1, 28)
    allocations = {}
    for consumer_uuid, (generation, resources) in found.consumers.items():
        entry: dict = {"resources": resources}
        if show_generation:
            entry["consumer_generation"] = generation
        allocations[consumer_uuid] = entry
    respond.send(req, resp, {"resource_provider_generation": found.provider_generation,
                             "allocations": allocations},
                 last_modified=found.last_modified)


def consumer_request(req, consumer_uuid: str, data: dict) -> service.ConsumerRequest:
    """The consumer half of one consumer's body, with the version's rules:
    before 1.8 the configured "incomplete consumer" project and user."""
    version = req.context.version
    project_id, user_id = data.get("project_id"), data.get("user_id")
    if project_id is None:
        conf = req.context.state.conf.placement
        project_id = conf.incomplete_consumer_project_id
        user_id = conf.incomplete_consumer_user_id
    return service.ConsumerRequest(
        uuid=consumer_uuid, project_id=project_id, user_id=user_id,
        generation=(data["consumer_generation"] if version >= (1, 28)
                    else service.UNCHECKED),
        consumer_type=data["consumer_type"] if version >= (1, 38) else None)


def amounts(resources: dict) -> dict[str, int]:
    # JSON Schema's "integer" admits 2.0; store ints.
    return {rc: int(amount) for rc, amount in resources.items()}


def set_allocations_for_consumer(req, resp, consumer_uuid: str) -> None:
    respond.authorize(req, policy.UPDATE)
    version = req.context.version
    canonical = canonical_uuid(consumer_uuid)
    if canonical is None:
        raise errors.BadRequest(f"Malformed consumer_uuid: {consumer_uuid}")
    data = validation.read_json(req, schema.put_schema(version))
    if version >= (1, 12):
        allocations = {uuids.canonical(rp): amounts(entry["resources"])
                       for rp, entry in data["allocations"].items()}
    else:
        allocations = {}
        for entry in data["allocations"]:
            rp = uuids.canonical(entry["resource_provider"]["uuid"])
            allocations[rp] = amounts(entry["resources"])
    write = service.ConsumerWrite(consumer=consumer_request(req, canonical, data),
                                  allocations=allocations)
    service.replace(req.context.state.db, [write])
    respond.no_content(resp)


def set_allocations(req, resp) -> None:
    """POST /allocations: several consumers in one transaction."""
    respond.require_version(req, (1, 13))
    respond.authorize(req, policy.MANAGE)
    data = validation.read_json(req, schema.post_schema(req.context.version))
    writes = []
    for consumer_uuid, consumer_data in data.items():
        allocations = {uuids.canonical(rp): amounts(entry["resources"])
                       for rp, entry in consumer_data["allocations"].items()}
        canonical = canonical_uuid(consumer_uuid)
        writes.append(service.ConsumerWrite(
            consumer=consumer_request(req, canonical, consumer_data),
            allocations=allocations))
    if len({w.consumer.uuid for w in writes}) != len(writes):
        raise errors.BadRequest("The same consumer is named more than once.")
    service.replace(req.context.state.db, writes)
    respond.no_content(resp)


def delete_allocations(req, resp, consumer_uuid: str) -> None:
    respond.authorize(req, policy.DELETE)
    service.delete(req.context.state.db, canonical_uuid(consumer_uuid) or consumer_uuid)
    respond.no_content(resp)
