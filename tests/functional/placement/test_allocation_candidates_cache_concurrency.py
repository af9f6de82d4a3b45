"""The provider cache under concurrent writes: while threads claim and
free allocations through HTTP, reader threads compute, inside one read
transaction each, the fast path's answer (from the shared, concurrently
refreshed cache) and the general path's (read afresh): they must be the
same answer, every time, on every backend, for flat and nested trees.  A candidate from the cache
never shows a provider other than as that transaction sees it.
"""
from __future__ import annotations

import random
import threading
import uuid as uuidlib

import orjson
import pytest

from nubes.common.wsgi.microversion import Version
from nubes.placement.candidates import contract, dispatch, provider_cache
from nubes.placement.candidates import request as candidate_request
from nubes.placement.handlers import allocation_candidate as handler

PROVIDERS = 6
READS = 25
SHARES = "MISC_SHARES_VIA_AGGREGATE"
AGG = "aaaaaaaa-0000-4000-8000-0000000000cc"


def _both_in_one_snapshot(db, params: dict) -> tuple[dict, dict]:
    version = Version(1, 39)
    request = candidate_request.parse(dict(params), version)
    cache = provider_cache.for_engine(db.engine)

    def work(conn):
        out = []
        for fast in (True, False):
            options = contract.Options(version=(1, 39), fast_path=fast)
            result = dispatch.find_in(conn, request, options, cache)
            out.append(orjson.loads(orjson.dumps(handler.view(result, version))))
        return out
    fast, general = contract.snapshot_read(db, work)
    return fast, general


@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
def test_cached_answers_match_fresh_reads_under_concurrent_writes(placement,
                                                                  placement_database,
                                                                  nested):
    uuids = [str(uuidlib.uuid4()) for _ in range(PROVIDERS)]
    hosts: list[str] = []
    for i, uuid in enumerate(uuids):
        parent = None
        if nested:   # two under each host
            if i % 2 == 0:
                hosts.append(placement.create_provider(f"host{i}")["uuid"])
            parent = hosts[-1]
        placement.create_provider(f"cn{i}", uuid=uuid, parent=parent)
        placement.set_inventory(uuid, {"VCPU": 4, "MEMORY_MB": 2048, "DISK_GB": 20})
    share = str(uuidlib.uuid4())
    placement.create_provider("share", uuid=share)
    placement.set_inventory(share, {"DISK_GB": 40})
    placement.put(f"/resource_providers/{share}/traits", json={
        "traits": [SHARES], "resource_provider_generation": 1})
    for uuid in (share, uuids[0], uuids[1]):
        generation = placement.get(f"/resource_providers/{uuid}").json["generation"]
        assert placement.put(f"/resource_providers/{uuid}/aggregates", json={
            "aggregates": [AGG], "resource_provider_generation": generation}).status == 200

    stop = threading.Event()
    failures: list = []
    claims = [0]

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        client = placement.__class__(placement.base_url)
        held: list[str] = []
        while not stop.is_set():
            if held and rng.random() < 0.4:
                client.delete(f"/allocations/{held.pop(rng.randrange(len(held)))}")
                continue
            consumer = str(uuidlib.uuid4())
            target = rng.choice(uuids)
            disk_from = share if rng.random() < 0.3 else target
            resources = {target: {"resources": {"VCPU": rng.randint(1, 2),
                                                "MEMORY_MB": 512}}}
            resources.setdefault(disk_from, {"resources": {}})["resources"]["DISK_GB"] = 5
            resp = client.put(f"/allocations/{consumer}", json={
                "allocations": resources, "project_id": "p", "user_id": "u",
                "consumer_generation": None, "consumer_type": "INSTANCE"})
            if resp.status == 204:
                held.append(consumer)
                claims[0] += 1

    def reader(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(READS):
                params = {"resources": f"VCPU:{rng.randint(1, 2)},MEMORY_MB:512,DISK_GB:5"}
                if rng.random() < 0.3:
                    params["limit"] = str(rng.randint(1, 3))
                fast, general = _both_in_one_snapshot(placement_database, params)
                if fast != general:
                    failures.append((params, fast, general))
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    writers = [threading.Thread(target=writer, args=(s,)) for s in range(2)]
    readers = [threading.Thread(target=reader, args=(s,)) for s in range(2)]
    for t in writers + readers:
        t.start()
    for t in readers:
        t.join()
    stop.set()
    for t in writers:
        t.join()
    assert not failures, failures[:1]
    assert claims[0] > 0
