"""`nubes up`: the embedded cloud, driven by the real OpenStack CLI."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import yaml

from nubes.cells.admin import hosts as host_admin
from nubes.embedded.cloud import EmbeddedCloud, Options
from nubes.embedded.layout import Ports

OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ports() -> Ports:
    return Ports(identity=_free_port(), compute=_free_port(), placement=_free_port(),
                 image=_free_port(), volume=_free_port())


@pytest.fixture
def state_dir(tmp_path):
    return str(tmp_path / "state")


def _up(state_dir: str, *, cells: int = 2, hosts_per_cell: int = 1, **kw) -> EmbeddedCloud:
    cloud = EmbeddedCloud(Options(state_dir=state_dir, cells=cells,
                                  hosts_per_cell=hosts_per_cell, ports=_ports(), **kw),
                          say=lambda _line: None)
    cloud.start()
    return cloud


def openstack(state_dir: str, *args: str, cloud: str = "nubes") -> subprocess.CompletedProcess:
    assert os.path.exists(OPENSTACK), "the openstack CLI is missing from the test environment"
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": os.path.join(state_dir, "clouds.yaml")}
    return subprocess.run([OPENSTACK, "--os-cloud", cloud, *args], env=env,
                          capture_output=True, text=True, timeout=120)


def _json(result: subprocess.CompletedProcess):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_up_serves_every_client_and_keeps_its_data(state_dir):
    cloud = _up(state_dir)
    try:
        clouds = yaml.safe_load(open(os.path.join(state_dir, "clouds.yaml")))["clouds"]
        assert {"nubes", "nubes-demo"} <= set(clouds)
        assert clouds["nubes"]["region_name"] == "RegionOne"

        services = _json(openstack(state_dir, "compute", "service", "list", "-f", "json"))
        computes = sorted(s["Host"] for s in services if s["Binary"] == "nova-compute")
        assert computes == ["cell1-compute1", "cell2-compute1"]
        assert all(s["State"] == "up" for s in services)
        hypervisors = _json(openstack(state_dir, "hypervisor", "list", "-f", "json"))
        assert sorted(h["Hypervisor Hostname"] for h in hypervisors) == computes
        providers = _json(openstack(state_dir, "resource", "provider", "list", "-f", "json"))
        assert sorted(p["name"] for p in providers) == computes

        created = openstack(state_dir, "aggregate", "create", "--zone", "az1", "agg1")
        assert created.returncode == 0, created.stderr
        added = openstack(state_dir, "aggregate", "add", "host", "agg1", "cell1-compute1")
        assert added.returncode == 0, added.stderr

        refused = openstack(state_dir, "compute", "service", "list", cloud="nubes-demo")
        assert refused.returncode != 0 and "403" in refused.stderr + refused.stdout

        api_db = cloud.databases.get(cloud.conf.api_database.connection)
        hosts = {mapping.host for mapping in host_admin.list_hosts(api_db)}
        assert hosts == set(computes)
    finally:
        cloud.stop()

    again = _up(state_dir)
    try:
        aggregates = _json(openstack(state_dir, "aggregate", "list", "-f", "json"))
        assert [a["Name"] for a in aggregates] == ["agg1"]
        providers = _json(openstack(state_dir, "resource", "provider", "list", "-f", "json"))
        assert len(providers) == 2
    finally:
        again.stop()


def test_a_taken_port_is_a_clear_error(state_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        ports = Ports(identity=taken, compute=_free_port(), placement=_free_port(),
                      image=_free_port(), volume=_free_port())
        cloud = EmbeddedCloud(Options(state_dir=state_dir, cells=1, hosts_per_cell=0,
                                      ports=ports), say=lambda _line: None)
        with pytest.raises(RuntimeError, match="--identity-port"):
            cloud.start()
        cloud.stop()


def _conf_values(state_dir: str) -> dict[str, str]:
    import configparser
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(state_dir, "nubes.conf"))
    return {f"{section}.{key}": parser[section][key]
            for section in ("placement_client", "identity") for key in parser[section]}


def test_a_restart_on_other_ports_points_nubes_conf_at_them(state_dir):
    first = _up(state_dir, cells=1, hosts_per_cell=0)
    first.stop()
    conf_path = os.path.join(state_dir, "nubes.conf")
    with open(conf_path, "a") as f:
        f.write("\n# an operator's note\n[quota]\ninstances = 7\n")

    again = _up(state_dir, cells=1, hosts_per_cell=0)
    try:
        ports = again.options.ports
        values = _conf_values(state_dir)
        assert values["placement_client.endpoint"] == ports.url(ports.placement)
        assert values["identity.public_endpoint"] == ports.url(ports.identity)
        assert values["identity.compute_endpoint"] == ports.url(ports.compute) + "/v2.1"
        assert values["identity.placement_endpoint"] == ports.url(ports.placement)
        assert values["identity.image_endpoint"] == ports.url(ports.image)
        assert ports != first.options.ports
        text = open(conf_path).read()
        assert "# an operator's note\n[quota]\ninstances = 7" in text
        assert text.startswith("# Written by `nubes up` on its first start")
    finally:
        again.stop()
