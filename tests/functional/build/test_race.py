"""Many builds at once against exactly enough room for most of them."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.functional.build.harness import spec
from tests.functional.compute.cloud import wait_for

HOSTS = {"cell1-c1": "cell1", "cell1-c2": "cell1", "cell1-c3": "cell1",
         "cell2-c1": "cell2", "cell2-c2": "cell2"}
VCPUS_PER_HOST = 10          # 5 hosts x 10 VCPU (ratio 1.0) = room for 50
BUILDS = 60


def test_sixty_builds_for_fifty_slots(build_cloud):
    build_cloud.start_hosts(HOSTS, vcpus=VCPUS_PER_HOST)
    uuids = [u for _ in range(BUILDS) for u in build_cloud.write_build_requests(spec())]
    # Each its own request, cast at once from many threads, as many API
    # workers would.
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda u: build_cloud.super_api.schedule_and_build_instances(
            build_cloud.context(), [u]), uuids))

    def settled():
        found = {u: build_cloud.instance(u) for u in uuids}
        done = {u: f for u, f in found.items()
                if f is not None and f[1].vm_state in ("active", "error")}
        return done if len(done) == BUILDS else None
    done = wait_for(settled, timeout=120, interval=0.25, what="every build to settle")

    active = [u for u, (cell, row) in done.items() if row.vm_state == "active"]
    errors = [u for u, (cell, row) in done.items() if row.vm_state == "error"]
    assert len(active) == 50
    assert len(errors) == 10
    assert all(done[u][0] == "cell0" for u in errors)
    assert all(done[u][0] in ("cell1", "cell2") for u in active)
    for u in errors:
        fault, = build_cloud.faults("cell0", u)
        assert "No valid host" in fault.message

    rps = [node.uuid for cell in ("cell1", "cell2")
           for node in build_cloud.cloud.nodes(cell).values()]
    assert len(rps) == 5
    for rp in rps:
        usage = build_cloud.usages(rp)
        assert usage.get("VCPU", 0) <= VCPUS_PER_HOST
    # Every allocation belongs to a live instance, and every active
    # instance has one.
    assert build_cloud.all_consumers(rps) == set(active)
    for u in uuids:
        assert build_cloud.build_request(u) is None
