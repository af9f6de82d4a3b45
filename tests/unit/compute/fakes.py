"""In-memory stand-ins for placement and the cell conductor (unit tests)."""
from __future__ import annotations

import dataclasses
import itertools
import uuid as uuidlib

from nubes.conductor.cell.messages import RecordedNode, NodeReport
from nubes.placement.client import (CONCURRENT_UPDATE, Inventories, PlacementConflict,
                                    Provider, ProviderAggregates, ProviderTraits)


@dataclasses.dataclass
class _RP:
    uuid: str
    name: str
    generation: int = 0
    inventories: dict = dataclasses.field(default_factory=dict)
    traits: frozenset = frozenset()
    aggregates: frozenset = frozenset()


class FakePlacement:
    conflict_retries = 4

    def __init__(self) -> None:
        self.rps: dict[str, _RP] = {}
        self.calls: list[tuple[str, str]] = []
        self.custom_traits: set[str] = set()
        self.custom_classes: set[str] = set()
        self.race_writes = 0   # writes that find the generation moved on first

    def _rp(self, uuid: str) -> _RP:
        return self.rps[uuid]

    def _write(self, name: str, uuid: str, generation: int) -> _RP:
        self.calls.append((name, uuid))
        rp = self._rp(uuid)
        if self.race_writes:
            self.race_writes -= 1
            rp.generation += 1
        if generation != rp.generation:
            raise PlacementConflict(f"409 ({CONCURRENT_UPDATE}): generation conflict",
                                    status=409, code=CONCURRENT_UPDATE)
        rp.generation += 1
        return rp

    def get_provider(self, uuid, *, request_id=None):
        self.calls.append(("get_provider", uuid))
        rp = self.rps.get(uuid)
        return None if rp is None else Provider(rp.uuid, rp.name, rp.generation)

    def create_provider(self, name, *, uuid=None, request_id=None):
        self.calls.append(("create_provider", uuid))
        if any(rp.name == name for rp in self.rps.values()) or uuid in self.rps:
            raise PlacementConflict("duplicate", status=409, code="placement.duplicate_name")
        self.rps[uuid] = _RP(uuid, name)
        return Provider(uuid, name, 0)

    def get_inventories(self, uuid, *, request_id=None):
        self.calls.append(("get_inventories", uuid))
        rp = self._rp(uuid)
        return Inventories(rp.generation, dict(rp.inventories))

    def set_inventories(self, uuid, inventories, generation, *, request_id=None):
        for rc in inventories:
            if rc.startswith("CUSTOM_"):
                assert rc in self.custom_classes, f"{rc} was not created first"
        rp = self._write("set_inventories", uuid, generation)
        rp.inventories = dict(inventories)
        return Inventories(rp.generation, dict(rp.inventories))

    def get_traits(self, uuid, *, request_id=None):
        self.calls.append(("get_traits", uuid))
        rp = self._rp(uuid)
        return ProviderTraits(rp.traits, rp.generation)

    def set_traits(self, uuid, traits, generation, *, request_id=None):
        for trait in traits:
            if trait.startswith("CUSTOM_"):
                assert trait in self.custom_traits, f"{trait} was not created first"
        rp = self._write("set_traits", uuid, generation)
        rp.traits = frozenset(traits)
        return ProviderTraits(rp.traits, rp.generation)

    def get_aggregates(self, uuid, *, request_id=None):
        self.calls.append(("get_aggregates", uuid))
        rp = self._rp(uuid)
        return ProviderAggregates(rp.aggregates, rp.generation)

    def set_aggregates(self, uuid, aggregates, generation, *, request_id=None):
        rp = self._write("set_aggregates", uuid, generation)
        rp.aggregates = frozenset(aggregates)
        return ProviderAggregates(rp.aggregates, rp.generation)

    def ensure_trait(self, name, *, request_id=None):
        self.calls.append(("ensure_trait", name))
        self.custom_traits.add(name)

    def ensure_resource_class(self, name, *, request_id=None):
        self.calls.append(("ensure_resource_class", name))
        self.custom_classes.add(name)

    # --- what others do -------------------------------------------------------------
    def operator_changes(self, uuid, **changes) -> None:
        rp = self._rp(uuid)
        for name, value in changes.items():
            setattr(rp, name, value)
        self.custom_traits |= {t for t in rp.traits if t.startswith("CUSTOM_")}
        rp.generation += 1


class FakeConductor:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], RecordedNode] = {}
        self.reports: list[NodeReport] = []
        self._ids = itertools.count(1)

    def compute_node_sync(self, ctx, node: NodeReport, **_):
        self.reports.append(node)
        key = (node.host, node.hypervisor_hostname)
        old = self.rows.get(key)
        values = {f.name: getattr(node, f.name) for f in dataclasses.fields(NodeReport)}
        if old is None:
            values["uuid"] = node.uuid or str(uuidlib.uuid4())
            record = RecordedNode(id=next(self._ids), **values)
        else:
            values = {k: v for k, v in values.items()
                      if not (v is None and (k.endswith("_ratio") or k == "uuid"))}
            record = dataclasses.replace(old, **values)
        self.rows[key] = record
        return record
