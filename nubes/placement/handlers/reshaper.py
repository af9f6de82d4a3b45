"""Handler for POST /reshaper (microversion 1.30+)."""
from __future__ import annotations

from nubes.placement import uuids
from nubes.placement.handlers import respond, validation
from nubes.placement.handlers.allocation import amounts, canonical_uuid, consumer_request
from nubes.placement.policies import reshaper as policy
from nubes.placement.schemas import reshaper as schema
from nubes.placement.service import allocations, inventories
from nubes.placement.service import reshaper as service


def reshape(req, resp) -> None:
    respond.require_version(req, (1, 30))
    respond.authorize(req, policy.RESHAPE)
    version = req.context.version
    data = validation.read_json(req, schema.reshape_schema(version))
    changes = [
        service.InventoryChange(
            provider_uuid=uuids.canonical(rp_uuid), generation=entry["resource_provider_generation"],
            records=[inventories.Inventory.from_record(name, record)
                     for name, record in entry["inventories"].items()])
        for rp_uuid, entry in data["inventories"].items()]
    writes = [
        allocations.ConsumerWrite(
            consumer=consumer_request(req, canonical_uuid(consumer_uuid), entry),
            allocations={uuids.canonical(rp): amounts(alloc["resources"])
                         for rp, alloc in entry["allocations"].items()})
        for consumer_uuid, entry in data["allocations"].items()]
    service.reshape(req.context.state.db, changes, writes,
                    reserved_may_equal_total=version >= (1, 26))
    respond.no_content(resp)
