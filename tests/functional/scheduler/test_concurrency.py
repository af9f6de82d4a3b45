"""Several schedulers at once: the claim in placement keeps them honest."""
from __future__ import annotations

import threading
import uuid as uuidlib
from concurrent.futures import ThreadPoolExecutor

from nubes.common.context import RequestContext
from nubes.placement.client import PlacementClient
from nubes.scheduler.messages import NoValidHost
from tests.functional.scheduler.helpers import spec


class StalePlacement(PlacementClient):
    """Every scheduler gets its candidates before any of them claims."""

    barrier: threading.Barrier

    def allocation_candidates(self, *args, **kwargs):
        answer = super().allocation_candidates(*args, **kwargs)
        self.barrier.wait(timeout=30)
        return answer


def _race(cloud, requests: list[list[str]]):
    barrier = threading.Barrier(len(requests))
    schedulers = []
    for _ in requests:
        client = cloud.typed_placement(StalePlacement)
        client.barrier = barrier
        schedulers.append(cloud.scheduler(client))

    def run(i):
        try:
            return schedulers[i].select_destinations(RequestContext.admin(), spec(),
                                                     requests[i])
        except NoValidHost:
            return None

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(run, range(len(requests))))


def _used(cloud) -> dict[str, int]:
    return {name: cloud.usages(h.uuid).get("VCPU", 0) for name, h in cloud.hosts.items()}


def test_concurrent_schedulers_claim_exactly_the_room_there_is(cloud):
    cloud.add_host("h1", vcpus=2)
    cloud.add_host("h2", vcpus=2)
    cloud.add_host("h3", vcpus=1)
    requests = [[str(uuidlib.uuid4())] for _ in range(8)]
    results = _race(cloud, requests)
    won = [r for r in results if r is not None]
    assert len(won) == 5
    assert _used(cloud) == {"h1": 2, "h2": 2, "h3": 1}
    for request, result in zip(requests, results):
        allocations = cloud.allocations(request[0])["allocations"]
        if result is None:
            assert allocations == {}
        else:
            assert list(allocations) == [result[0][0].compute_node_uuid]


def test_concurrent_multi_creates_never_leave_partial_claims(cloud):
    cloud.add_host("h1", vcpus=3)
    cloud.add_host("h2", vcpus=2)
    requests = [[str(uuidlib.uuid4()) for _ in range(2)] for _ in range(4)]
    results = _race(cloud, requests)
    won = [r for r in results if r is not None]
    assert len(won) <= 2
    assert sum(_used(cloud).values()) == 2 * len(won)
    for request, result in zip(requests, results):
        for instance in request:
            has = cloud.allocations(instance)["allocations"] != {}
            assert has == (result is not None)
