"""Host states from placement's answer joined with the cells' rows."""
from __future__ import annotations

from nubes.cells.targeting import CellRegistry
from nubes.common.context import RequestContext
from nubes.scheduler.host_state import HostCatalog
from tests.functional.scheduler.helpers import spec


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_rows_are_cached_for_the_ttl(cloud):
    cloud.add_host("h1")
    clock = Clock()
    conf = cloud.make_conf(host_state_cache_ttl=5.0)
    catalog = HostCatalog(conf, CellRegistry(cloud.deployment.api_db, cloud.databases),
                          clock=clock)
    ctx = RequestContext.admin()
    assert {r.node.host for r in catalog.snapshot(ctx).nodes.values()} == {"h1"}
    cloud.add_host("h2", "cell2")
    clock.now += 4
    assert {r.node.host for r in catalog.snapshot(ctx).nodes.values()} == {"h1"}
    clock.now += 2
    assert {r.node.host for r in catalog.snapshot(ctx).nodes.values()} == {"h1", "h2"}
    cloud.add_host("h3")
    catalog.invalidate()
    assert len(catalog.snapshot(ctx).nodes) == 3


def test_host_state_fields(cloud):
    cloud.add_host("h1", "cell2", vcpus=4, memory_mb=4096, disk_gb=40,
                   traits=("CUSTOM_FAST",))
    agg = cloud.add_zone("az1", ["h1"])
    client = cloud.typed_placement()
    candidates = client.allocation_candidates([("resources", "VCPU:1,MEMORY_MB:512")])
    catalog = HostCatalog(cloud.conf, CellRegistry(cloud.deployment.api_db, cloud.databases))
    [state] = catalog.host_states(RequestContext.admin(), candidates, spec())
    assert (state.host, state.nodename, state.uuid) == ("h1", "h1", cloud.hosts["h1"].uuid)
    assert state.cell_uuid == cloud.deployment.cells["cell2"].uuid
    assert state.availability_zone == "az1"
    assert [a.uuid for a in state.aggregates] == [agg]
    assert state.service_up and not state.service_disabled
    assert state.hypervisor_type == "fake" and state.cpu_info["arch"] == "x86_64"
    assert "CUSTOM_FAST" in state.traits
    assert state.free("VCPU") == 4 and state.free("MEMORY_MB") == 4096
    assert len(state.allocation_requests) == 1
