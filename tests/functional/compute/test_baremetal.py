"""Fake bare-metal hosts: many nodes per host, one custom class each."""
from __future__ import annotations

from nubes.compute.virt.fake_baremetal import node_uuid


def test_baremetal_nodes_become_custom_class_providers(cloud, placement):
    cloud.start_conductor()
    cloud.start_agent("ironic-1", DEFAULT={"compute_driver": "fake_baremetal"},
                      fake_baremetal={"nodes_per_host": 3, "resource_class": "baremetal-gold",
                                      "node_traits": ["CUSTOM_RAID"]})
    expected = sorted(node_uuid("ironic-1", i) for i in range(3))
    nodes = cloud.nodes()
    assert sorted(nodes) == expected
    for name, node in nodes.items():
        assert node.uuid == name and node.host == "ironic-1"
        provider = placement.get(f"/resource_providers/{node.uuid}").json
        assert provider["name"] == name
        inv = placement.get(f"/resource_providers/{node.uuid}/inventories").json["inventories"]
        assert inv == {"CUSTOM_BAREMETAL_GOLD": {
            "total": 1, "reserved": 0, "min_unit": 1, "max_unit": 1, "step_size": 1,
            "allocation_ratio": 1.0}}
        traits = set(placement.get(f"/resource_providers/{node.uuid}/traits").json["traits"])
        assert traits == {"COMPUTE_NODE", "CUSTOM_RAID"}

    result = cloud.discover_hosts(by_service=True)
    assert [host for _, host in result.mapped] == ["ironic-1"]
    assert cloud.host_mappings() == {"ironic-1": "cell1"}


def test_a_host_with_no_nodes_is_still_a_service(cloud):
    cloud.start_conductor()
    cloud.start_agent("ironic-empty", DEFAULT={"compute_driver": "fake_baremetal"},
                      fake_baremetal={"nodes_per_host": 0})
    assert "ironic-empty" in cloud.services() and cloud.nodes() == {}
    assert [h for _, h in cloud.discover_hosts(by_service=True).mapped] == ["ironic-empty"]
