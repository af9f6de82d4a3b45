"""Hand-built host states, candidates and a fake placement for unit tests."""
from __future__ import annotations

import dataclasses

from nubes.common import config
from nubes.placement.client import AllocationCandidates, ClaimResult
from nubes.scheduler.host_state import HostState, ProviderUsage
from nubes.scheduler.messages import Flavor, RequestSpec

CELL1 = "c1c1c1c1-0000-4000-8000-000000000001"
CELL2 = "c2c2c2c2-0000-4000-8000-000000000002"


def conf(**scheduler):
    return config.load(overrides={"scheduler": scheduler} if scheduler else None)


def spec(vcpus=1, memory_mb=512, root_gb=1, **kw) -> RequestSpec:
    extra = kw.pop("extra_specs", {})
    flavor_kw = {k: kw.pop(k) for k in ("ephemeral_gb", "swap") if k in kw}
    return RequestSpec(flavor=Flavor(vcpus=vcpus, memory_mb=memory_mb, root_gb=root_gb,
                                     extra_specs=extra, **flavor_kw),
                       project_id="p1", user_id="u1", **kw)


def node_uuid(name: str) -> str:
    import uuid
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, name))


@dataclasses.dataclass
class FakeHost:
    name: str
    cell: str = CELL1
    vcpus: int = 8
    memory_mb: int = 8192
    disk_gb: int = 100
    used: dict = dataclasses.field(default_factory=dict)
    zone: str = "nova"
    up: bool = True
    disabled: bool = False
    hypervisor_type: str = "fake"
    hypervisor_version: int = 1000
    arch: str | None = None
    traits: tuple = ()


def candidates(hosts: list[FakeHost], request: dict[str, int]) -> AllocationCandidates:
    summaries, requests = {}, []
    for h in hosts:
        uuid = node_uuid(h.name)
        totals = {"VCPU": h.vcpus, "MEMORY_MB": h.memory_mb, "DISK_GB": h.disk_gb}
        summaries[uuid] = {
            "resources": {rc: {"capacity": total, "used": h.used.get(rc, 0)}
                          for rc, total in totals.items()},
            "traits": list(h.traits), "parent_provider_uuid": None,
            "root_provider_uuid": uuid}
        if all(h.used.get(rc, 0) + n <= totals.get(rc, 0) for rc, n in request.items()):
            requests.append({"allocations": {uuid: {"resources": dict(request)}},
                             "mappings": {"": [uuid]}})
    return AllocationCandidates(requests, summaries, "1.36")


def host_states(hosts: list[FakeHost], cands: AllocationCandidates) -> list[HostState]:
    usage = ProviderUsage(cands.provider_summaries)
    out = []
    for h in hosts:
        uuid = node_uuid(h.name)
        reqs = [r for r in cands.allocation_requests if uuid in r["allocations"]]
        if not reqs:
            continue
        out.append(HostState(
            host=h.name, nodename=h.name, uuid=uuid, cell_uuid=h.cell,
            availability_zone=h.zone, service_up=h.up, service_disabled=h.disabled,
            hypervisor_type=h.hypervisor_type, hypervisor_version=h.hypervisor_version,
            cpu_info={"arch": h.arch} if h.arch else {}, aggregates=[],
            traits=frozenset(h.traits), allocation_requests=reqs, usage=usage))
    return out


class FakeCatalog:
    def __init__(self, hosts: list[FakeHost], aggregates=()):
        self.hosts = hosts
        self._aggregates = list(aggregates)

    def aggregates(self, ctx):
        return self._aggregates

    def host_states(self, ctx, cands, spec):
        return host_states(self.hosts, cands)


class FakePlacement:
    """Candidates from the hosts; claims checked against real capacity
    (``room`` overrides what a claim sees, to simulate racing schedulers)."""

    def __init__(self, hosts: list[FakeHost]):
        self.hosts = {node_uuid(h.name): h for h in hosts}
        self.allocations: dict[str, dict] = {}
        self.claims: list[tuple[str, str]] = []        # (consumer, node) tried
        self.scripted: dict[str, list[str]] = {}       # node -> outcomes to return first
        self.queries: list = []
        self.deleted: list[str] = []

    def allocation_candidates(self, params, *, version=None, request_id=None):
        self.queries.append(params)
        request = {}
        for key, value in params:
            if key == "resources":
                for part in value.split(","):
                    rc, n = part.split(":")
                    request[rc] = int(n)
        return candidates(list(self.hosts.values()), request)

    def claim(self, consumer, allocations, project, user, consumer_generation=None,
              consumer_type="INSTANCE", *, mappings=None, request_id=None):
        (node, alloc), = allocations.items()
        self.claims.append((consumer, self.hosts[node].name))
        script = self.scripted.get(node)
        if script:
            return ClaimResult(script.pop(0), "scripted")
        if consumer in self.allocations:
            return ClaimResult(ClaimResult.CONSUMER_GENERATION, "consumer generation conflict")
        host = self.hosts[node]
        totals = {"VCPU": host.vcpus, "MEMORY_MB": host.memory_mb, "DISK_GB": host.disk_gb}
        for rc, n in alloc["resources"].items():
            if host.used.get(rc, 0) + n > totals[rc]:
                return ClaimResult(ClaimResult.CAPACITY, "would exceed the capacity")
        for rc, n in alloc["resources"].items():
            host.used[rc] = host.used.get(rc, 0) + n
        self.allocations[consumer] = allocations
        return ClaimResult(ClaimResult.CLAIMED)

    def delete_allocations(self, consumer, *, request_id=None):
        self.deleted.append(consumer)
        allocations = self.allocations.pop(consumer, None)
        if allocations is None:
            return False
        for node, alloc in allocations.items():
            for rc, n in alloc["resources"].items():
                self.hosts[node].used[rc] -= n
        return True
