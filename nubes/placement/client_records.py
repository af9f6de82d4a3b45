"""What the placement client answers with: plain records (providers,
inventories, aggregates, traits, candidates, consumers' allocations, claim
outcomes).  Other services import them from :mod:`nubes.placement.client`."""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Provider:
    uuid: str
    name: str
    generation: int
    parent_provider_uuid: str | None = None
    root_provider_uuid: str | None = None


@dataclasses.dataclass(frozen=True)
class Inventory:
    total: int
    reserved: int = 0
    min_unit: int = 1
    max_unit: int = 1
    step_size: int = 1
    allocation_ratio: float = 1.0


@dataclasses.dataclass(frozen=True)
class Inventories:
    generation: int
    inventories: dict[str, Inventory]


@dataclasses.dataclass(frozen=True)
class ProviderAggregates:
    aggregates: frozenset[str]
    generation: int



@dataclasses.dataclass(frozen=True)
class ProviderTraits:
    traits: frozenset[str]
    generation: int


@dataclasses.dataclass(frozen=True)
class AllocationCandidates:
    """The answer of ``GET /allocation_candidates``, as placement sent it:
    ``allocation_requests`` [{"allocations": {rp: {"resources": {...}}},
    "mappings": {...}}], ``provider_summaries`` {rp: {"resources": {rc:
    {"capacity", "used"}}, "traits", "parent_provider_uuid",
    "root_provider_uuid"}}."""
    allocation_requests: list[dict]
    provider_summaries: dict[str, dict]
    version: str


@dataclasses.dataclass(frozen=True)
class ConsumerAllocations:
    """A consumer's allocations: provider uuid -> {class: amount}."""
    allocations: dict[str, dict[str, int]]
    generation: int | None
    project_id: str | None
    user_id: str | None


@dataclasses.dataclass(frozen=True)
class ClaimResult:
    CLAIMED = "claimed"
    CAPACITY = "capacity"                        # 409: does not fit (any more)
    CONSUMER_GENERATION = "consumer_generation"  # 409: the consumer changed
    PROVIDER_GENERATION = "provider_generation"  # 409: a provider race; may retry

    outcome: str
    detail: str | None = None

    @property
    def claimed(self) -> bool:
        return self.outcome == self.CLAIMED


def provider_from(data: dict) -> Provider:
    """A provider as ``GET /resource_providers[/{uuid}]`` shows it."""
    return Provider(uuid=data["uuid"], name=data["name"], generation=data["generation"],
                    parent_provider_uuid=data.get("parent_provider_uuid"),
                    root_provider_uuid=data.get("root_provider_uuid"))
