"""The fake drivers: sizes, capabilities, injected failures, bare-metal nodes."""
from __future__ import annotations

import dataclasses

import pytest

from nubes.common import config
from nubes.compute.virt import load_driver
from nubes.compute.virt.driver import DriverError
from nubes.compute.virt.fake import FakeDriver
from nubes.compute.virt.fake_host import host_size, parse_host_size
from nubes.compute.virt.fake_baremetal import (FakeBaremetalDriver, node_uuid,
                                               normalize_resource_class)
from nubes.compute.virt.hooks import Hooks


def conf(**groups):
    return config.load(overrides=groups)


def test_sizes_default_then_per_host_globs_last_match_wins():
    c = conf(fake_driver={"vcpus": 8, "host_size": [
        "cell1-* vcpus=4 memory_mb=2048", "cell1-big local_gb=2000 vcpus=64"]})
    assert host_size(c, "other") == {"vcpus": 8, "memory_mb": 32768, "local_gb": 500}
    assert host_size(c, "cell1-a") == {"vcpus": 4, "memory_mb": 2048, "local_gb": 500}
    assert host_size(c, "cell1-big") == {"vcpus": 64, "memory_mb": 2048, "local_gb": 2000}


@pytest.mark.parametrize("line", ["", "h cpus=4", "h vcpus", "h vcpus=x"])
def test_bad_host_size_lines_are_refused(line):
    with pytest.raises(ValueError):
        parse_host_size(line)


def test_fake_driver_reports_one_node_named_after_the_host():
    driver = FakeDriver(conf(), "h1")
    assert driver.node_names() == ["h1"]
    res = driver.node_resources("h1")
    assert (res.vcpus, res.memory_mb, res.local_gb, res.standard_inventory) == (
        16, 32768, 500, True)
    driver.set_size(vcpus=2)
    assert driver.node_resources("h1").vcpus == 2
    with pytest.raises(KeyError):
        driver.node_resources("h2")
    with pytest.raises(TypeError):
        driver.set_size(cpus=1)


@pytest.mark.parametrize("name", ["COMPUTE_NODE", "COMPUTE_STATUS_DISABLED", "HW_CPU_X86_AVX",
                                  "CUSTOM_X", "COMPUTE_NOT_A_TRAIT"])
def test_capabilities_must_be_standard_compute_traits(name):
    with pytest.raises(ValueError):
        FakeDriver(conf(fake_driver={"capabilities": [name]}), "h1")


def test_hooks_fail_a_number_of_times_on_matching_nodes():
    hooks = Hooks()
    hooks.fail("node_resources", times=2, nodes="bad-*")
    assert hooks.run("node_resources", "good-1", "value") == "value"
    for _ in range(2):
        with pytest.raises(DriverError, match="injected failure of node_resources on bad-1"):
            hooks.run("node_resources", "bad-1", "value")
    assert hooks.run("node_resources", "bad-1", "value") == "value"
    with pytest.raises(ValueError):
        hooks.add("no_such_operation", lambda node, value: None)


def test_hooks_may_replace_the_value():
    driver = FakeDriver(conf(), "h1")
    driver.hooks.add("node_resources", lambda node, res: dataclasses.replace(res, vcpus=1))
    assert driver.node_resources("h1").vcpus == 1
    driver.hooks.clear()
    assert driver.node_resources("h1").vcpus == 16


def test_failures_from_configuration_apply_to_matching_hosts():
    c = conf(fake_driver={"fail": ["init_host@bad-*", "node_resources@worse"]})
    FakeDriver(c, "good").init_host()
    with pytest.raises(DriverError):
        FakeDriver(c, "bad-1").init_host()
    FakeDriver(c, "bad-1").node_resources("bad-1")
    with pytest.raises(DriverError):
        FakeDriver(c, "worse").node_resources("worse")


@pytest.mark.parametrize("name,expected", [
    ("baremetal-gold", "CUSTOM_BAREMETAL_GOLD"), ("Bare Metal.x", "CUSTOM_BARE_METAL_X"),
    ("CUSTOM_gold", "CUSTOM_GOLD"), ("baremetal", "CUSTOM_BAREMETAL")])
def test_resource_class_normalisation(name, expected):
    assert normalize_resource_class(name) == expected


def test_baremetal_nodes_are_stable_and_custom_class_only():
    c = conf(DEFAULT={"compute_driver": "fake_baremetal"},
             fake_baremetal={"nodes_per_host": 2, "node_traits": ["CUSTOM_RAID"]})
    driver = load_driver(c, "bm-1")
    assert isinstance(driver, FakeBaremetalDriver)
    assert driver.node_names() == [node_uuid("bm-1", 0), node_uuid("bm-1", 1)]
    assert driver.node_names() == load_driver(c, "bm-1").node_names()
    res = driver.node_resources(node_uuid("bm-1", 1))
    assert not res.standard_inventory and res.uuid == node_uuid("bm-1", 1)
    assert {rc: inv.total for rc, inv in res.extra_inventory.items()} == {"CUSTOM_BAREMETAL": 1}
    assert res.traits == {"CUSTOM_RAID"}
    assert driver.capabilities() == {}


def test_baremetal_node_traits_must_be_custom():
    with pytest.raises(ValueError):
        FakeBaremetalDriver(conf(fake_baremetal={"node_traits": ["HW_CPU_X86_AVX"]}), "bm")


def test_load_driver_default_is_fake():
    assert isinstance(load_driver(conf(), "h"), FakeDriver)
