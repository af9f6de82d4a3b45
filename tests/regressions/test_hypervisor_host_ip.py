"""Compute nodes record their host's IP (``[DEFAULT] my_ip``) and the
os-hypervisors detail views show it as ``host_ip`` at every microversion
(``openstack hypervisor list --long`` printed ``Host IP`` None: the agents
never reported one), on SQLite, MariaDB and PostgreSQL."""
from __future__ import annotations

import ipaddress

import pytest

from nubes.common import config
from nubes.common.config.compute import host_ipv4
from tests.fixtures import databases
from tests.fixtures.backend_cloud import BackendCloud

pytestmark = pytest.mark.slow
MY_IP = "192.0.2.77"


@pytest.fixture(scope="module", params=databases.backends())
def cloud(request, tmp_path_factory):
    made = BackendCloud(request.param, str(tmp_path_factory.mktemp("host-ip") / "state"),
                        hosts_per_cell=2, overrides={"DEFAULT": {"my_ip": MY_IP}})
    yield made.cloud
    made.stop()


@pytest.mark.parametrize("version", ["2.1", "2.28", "2.52", "2.53", "2.87", "2.88", "latest"])
def test_detail_and_show_carry_host_ip(cloud, version):
    code, body = cloud.admin.get("/os-hypervisors/detail", version=version)
    assert code == 200, body
    listed = body["hypervisors"]
    assert len(listed) == 2
    assert [h["host_ip"] for h in listed] == [MY_IP, MY_IP]
    code, shown = cloud.admin.get(f"/os-hypervisors/{listed[0]['id']}", version=version)
    assert code == 200, shown
    assert shown["hypervisor"]["host_ip"] == MY_IP


def test_openstack_hypervisor_list_long(cloud):
    listed = cloud.openstack("hypervisor", "list", "--long", "-f", "json")
    assert len(listed) == 2
    assert {h["Host IP"] for h in listed} == {MY_IP}


def test_the_default_is_an_address_of_this_host():
    conf = config.load(overrides={})
    assert conf.my_ip == host_ipv4()
    assert ipaddress.ip_address(conf.my_ip).version == 4
