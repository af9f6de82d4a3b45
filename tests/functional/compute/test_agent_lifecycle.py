"""Agents register through the cell conductor, report liveness, are found by
discover_hosts, and stop cleanly."""
from __future__ import annotations

import threading
import time

import pytest

from nubes.common.timeutils import utcnow
from nubes.compute.agent import ComputeAgent
from nubes.compute.rpcapi import ComputeAPI
from tests.functional.compute.cloud import wait_for


def test_agents_register_in_their_cells_and_get_mapped(cloud):
    cloud.start_conductor("cell1")
    cloud.start_conductor("cell2")
    cloud.start_agent("c1-a", "cell1")
    cloud.start_agent("c1-b", "cell1")
    cloud.start_agent("c2-a", "cell2")

    cell1, cell2 = cloud.services("cell1"), cloud.services("cell2")
    assert sorted(cell1) == ["c1-a", "c1-b"]
    assert sorted(cell2) == ["c2-a"]
    row = cell1["c1-a"]
    assert (row.binary, row.topic, row.disabled, row.deleted) == ("nova-compute", "compute",
                                                                  False, 0)
    assert row.uuid and row.version == 1
    # The conductors registered themselves too.
    assert sorted(cloud.services("cell1", "nova-conductor")) == ["cell1-conductor"]

    nodes = cloud.nodes("cell1")
    assert sorted(nodes) == ["c1-a", "c1-b"]
    node = nodes["c1-a"]
    assert (node.host, node.service_id, node.vcpus, node.memory_mb, node.local_gb) == (
        "c1-a", row.id, 16, 32768, 500)
    assert (node.cpu_allocation_ratio, node.ram_allocation_ratio,
            node.disk_allocation_ratio) == (4.0, 1.0, 1.0)
    assert node.hypervisor_type == "fake" and node.mapped == 0

    result = cloud.discover_hosts()
    assert sorted(host for _, host in result.mapped) == ["c1-a", "c1-b", "c2-a"]
    assert cloud.host_mappings() == {"c1-a": "cell1", "c1-b": "cell1", "c2-a": "cell2"}
    assert {n.mapped for n in cloud.nodes("cell1").values()} == {1}


def test_discover_hosts_by_service(cloud):
    cloud.start_conductor("cell2")
    cloud.start_agent("c2-x", "cell2")
    result = cloud.discover_hosts(by_service=True)
    assert [(cell.name, host) for cell, host in result.mapped] == [("cell2", "c2-x")]


def test_liveness_reports_and_a_stopped_agent_goes_quiet(cloud):
    cloud.start_conductor()
    agent = cloud.start_agent("beat-1")
    first = cloud.services()["beat-1"]
    row = wait_for(lambda: (r := cloud.services()["beat-1"]).report_count >= 3 and r,
                   what="three liveness reports")
    assert row.last_seen_up is not None
    assert row.last_seen_up >= first.created_at
    assert abs((utcnow() - row.last_seen_up).total_seconds()) <= 2

    agent.stop()
    stopped = cloud.services()["beat-1"]
    time.sleep(1.5)  # several report intervals, and past the clock's one-second grain
    later = cloud.services()["beat-1"]
    assert later.report_count == stopped.report_count
    assert later.last_seen_up == stopped.last_seen_up
    assert (utcnow() - later.last_seen_up).total_seconds() >= 1
    # The agent no longer listens: a call to it finds nobody.
    compute = ComputeAPI(cloud.transport("cell1"), timeout=0.5)
    with pytest.raises(Exception):
        compute.ping(None, "beat-1")


def test_restarted_agent_gets_its_records_back(cloud):
    cloud.start_conductor()
    agent = cloud.start_agent("again")
    service, node = cloud.services()["again"], cloud.nodes()["again"]
    agent.stop()
    cloud.start_agent("again")
    assert cloud.services()["again"].id == service.id
    assert cloud.nodes()["again"].uuid == node.uuid
    assert len(cloud.services()) == 1 and len(cloud.nodes()) == 1


def test_agent_waits_for_a_conductor(cloud):
    agent = cloud.agent("patient")
    errors = []

    def start():
        try:
            agent.start(conductor_wait=20)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=start)
    thread.start()
    time.sleep(0.5)
    assert cloud.services() == {}
    cloud.start_conductor()
    thread.join(20)
    assert not errors
    assert "patient" in cloud.services()


def test_ping_answers_with_the_hosts_nodes(cloud):
    cloud.start_conductor()
    cloud.start_agent("pinged")
    status = ComputeAPI(cloud.transport("cell1"), timeout=5).ping(None, "pinged")
    assert status.host == "pinged" and not status.disabled
    assert [(n.nodename, n.uuid) for n in status.nodes] == [
        ("pinged", cloud.nodes()["pinged"].uuid)]


def test_stopping_a_starting_agent_gives_up(cloud):
    agent: ComputeAgent = cloud.agent("never")
    failures = []
    thread = threading.Thread(target=lambda: _start_catching(agent, failures))
    thread.start()
    time.sleep(0.3)
    agent.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert failures and type(failures[0]).__name__ == "AgentStopped"


def _start_catching(agent, failures):
    try:
        agent.start()
    except Exception as exc:  # noqa: BLE001
        failures.append(exc)
