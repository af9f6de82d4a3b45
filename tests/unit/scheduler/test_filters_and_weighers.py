"""Each filter and weigher on hand-built host states."""
import pytest

from nubes.scheduler.messages import ServerGroup
from nubes.scheduler.plugins import ALIASES, FILTERS, WEIGHERS, load
from nubes.scheduler.plugins.base import CycleState, Pipeline, normalise
from nubes.scheduler.plugins.filters import group_hosts
from tests.unit.scheduler.fakes import FakeHost, candidates, conf, host_states, spec

REQ = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


def states(*hosts):
    return host_states(list(hosts), candidates(list(hosts), REQ))


def passes(name, s, *hosts, cycle=None):
    plugin = FILTERS[name](conf(), None)
    cycle = cycle or CycleState()
    return [h.host for h in states(*hosts) if plugin.host_passes(cycle, h, s)]


def test_compute_up():
    assert passes("compute_up", spec(), FakeHost("a"), FakeHost("b", up=False),
                  FakeHost("c", disabled=True)) == ["a"]


def test_availability_zone():
    hosts = (FakeHost("a", zone="az1"), FakeHost("b", zone="nova"))
    assert passes("availability_zone", spec(availability_zone="az1"), *hosts) == ["a"]
    assert passes("availability_zone", spec(), *hosts) == ["a", "b"]


@pytest.mark.parametrize("props, expected", [
    ({}, ["x86", "arm", "unknown"]),
    ({"hw_architecture": "x86_64"}, ["x86", "unknown"]),
    ({"architecture": "aarch64"}, ["arm", "unknown"]),
    ({"img_hv_type": "qemu"}, ["arm"]),
    ({"img_hv_requested_version": ">=2000"}, ["arm"]),
    ({"img_hv_requested_version": "==1000"}, ["x86", "unknown"]),
    ({"img_hv_requested_version": "1000"}, ["x86", "arm", "unknown"]),
])
def test_image_properties(props, expected):
    hosts = (FakeHost("x86", arch="x86_64"),
             FakeHost("arm", arch="aarch64", hypervisor_type="QEMU", hypervisor_version=2000),
             FakeHost("unknown"))
    assert passes("image_properties", spec(image_properties=props), *hosts) == expected


def test_affinity_follows_the_first_member():
    hosts = (FakeHost("a"), FakeHost("b"))
    group = ServerGroup("g", "affinity")
    assert passes("server_group_affinity", spec(server_group=group), *hosts) == ["a", "b"]
    group.hosts = ["b"]
    assert passes("server_group_affinity", spec(server_group=group), *hosts) == ["b"]
    # Other policies are not its business.
    assert passes("server_group_affinity",
                  spec(server_group=ServerGroup("g", "anti-affinity", hosts=["b"])),
                  *hosts) == ["a", "b"]


def test_affinity_sees_this_requests_choices():
    s = spec(server_group=ServerGroup("g", "affinity"))
    cycle = CycleState()
    group_hosts(cycle, s).append("a")
    assert passes("server_group_affinity", s, FakeHost("a"), FakeHost("b"),
                  cycle=cycle) == ["a"]


def test_anti_affinity_and_max_server_per_host():
    hosts = (FakeHost("a"), FakeHost("b"), FakeHost("c"))
    s = spec(server_group=ServerGroup("g", "anti-affinity", hosts=["a", "b", "b"]))
    assert passes("server_group_anti_affinity", s, *hosts) == ["c"]
    s.server_group.rules = {"max_server_per_host": 2}
    assert passes("server_group_anti_affinity", s, *hosts) == ["a", "c"]


def test_normalise():
    assert normalise([]) == []
    assert normalise([5, 5]) == [0.0, 0.0]
    assert normalise([0, 5, 10]) == [0.0, 0.5, 1.0]


def test_weighers_spread_by_free_capacity():
    hosts = states(FakeHost("full", used={"MEMORY_MB": 6000, "VCPU": 6}),
                   FakeHost("empty"), FakeHost("half", used={"MEMORY_MB": 4096}))
    pipeline = Pipeline([], [], [WEIGHERS["ram"](conf(), None)])
    order = [h.host for _, h in pipeline.weigh(CycleState(), hosts, spec())]
    assert order == ["empty", "half", "full"]


def test_negative_multiplier_stacks_and_weights_sum():
    hosts = states(FakeHost("busy", used={"MEMORY_MB": 4096, "VCPU": 7}),
                   FakeHost("idle"))
    c = conf(ram_weight_multiplier=-1.0, cpu_weight_multiplier=0.0)
    pipeline = Pipeline([], [], [WEIGHERS[n](c, None) for n in ("ram", "cpu", "disk")])
    weighed = pipeline.weigh(CycleState(), hosts, spec())
    assert [h.host for _, h in weighed] == ["busy", "idle"]
    assert [w for w, _ in weighed] == [0.0, -1.0]


def test_weighers_read_this_cycles_consumption():
    hosts = states(FakeHost("a"), FakeHost("b", memory_mb=8000))
    pipeline = Pipeline([], [], [WEIGHERS["ram"](conf(), None)])
    assert pipeline.weigh(CycleState(), hosts, spec())[0][1].host == "a"
    hosts[0].usage.consume({"allocations": {hosts[0].uuid: {"resources": {"MEMORY_MB": 500}}}})
    assert pipeline.weigh(CycleState(), hosts, spec())[0][1].host == "b"


def test_filter_pipeline_logs_what_each_filter_removed(caplog):
    hosts = states(FakeHost("a"), FakeHost("b", up=False), FakeHost("c", zone="az2"))
    c = conf()
    pipeline = Pipeline([], [FILTERS["compute_up"](c, None),
                             FILTERS["availability_zone"](c, None)], [])
    with caplog.at_level("DEBUG", logger="nubes.scheduler.plugins"):
        kept = pipeline.filter(CycleState(), hosts, spec(availability_zone="nova"))
    assert [h.host for h in kept] == ["a"]
    assert "filter compute_up removed 1 of 3 host(s): b" in caplog.text
    assert "filter availability_zone removed 1 of 2 host(s): c" in caplog.text


def test_load_accepts_nova_names_and_refuses_unknown_ones():
    pipeline = load(conf(enabled_filters=["ComputeFilter", "ServerGroupAffinityFilter"],
                         enabled_weighers=["ram"]), None)
    assert [p.name for p in pipeline.filters] == ["compute_up", "server_group_affinity"]
    assert [p.name for p in pipeline.prefilters] == ["availability_zone", "disabled_compute"]
    assert ALIASES["ImagePropertiesFilter"] == "image_properties"
    with pytest.raises(ValueError, match="unknown scheduler filter 'NUMATopologyFilter'"):
        load(conf(enabled_filters=["NUMATopologyFilter"]), None)


def test_weigh_logs_raw_and_normalised_values(caplog):
    hosts = states(FakeHost("a", used={"MEMORY_MB": 4096}), FakeHost("b"))
    pipeline = Pipeline([], [], [WEIGHERS["ram"](conf(), None)])
    with caplog.at_level("DEBUG", logger="nubes.scheduler.plugins"):
        pipeline.weigh(CycleState(), hosts, spec())
    assert "weigher ram (x1): a raw=4096 norm=0.000, b raw=8192 norm=1.000" in caplog.text
    assert "weighed hosts: b=1.000, a=0.000" in caplog.text
