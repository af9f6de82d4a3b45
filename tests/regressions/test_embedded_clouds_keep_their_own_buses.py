"""Every embedded cloud of a process used the same in-process buses
(``memory://api``, ``memory://cell1``): a second cloud started while the
first still ran (a test whose cloud failed half-way through its start and
was never stopped) shared its scheduler and super-conductor with it, so the
second cloud's builds were taken by the first's services — servers stuck
in ``scheduling`` or in ERROR with "No valid host was found".  Each state
directory now names its own buses, and a start that fails stops what it
had started."""
from __future__ import annotations

import dataclasses
import socket
import threading
import time

import pytest

from nubes.common.rpc import memory
from nubes.embedded.cloud import EmbeddedCloud, Options
from nubes.embedded.layout import Layout
from tests.fixtures.cloud import ServersCloud, free_ports

pytestmark = pytest.mark.slow


def test_two_state_directories_name_different_buses(tmp_path):
    one, two = Layout(str(tmp_path / "one")), Layout(str(tmp_path / "two"))
    assert one.api_transport != two.api_transport
    assert one.cell_transport("cell1") != two.cell_transport("cell1")
    assert Layout(str(tmp_path / "one")).api_transport == one.api_transport


def test_a_second_cloud_builds_on_its_own_hosts_while_the_first_runs(tmp_path):
    first = ServersCloud(str(tmp_path / "first"), cells=1, hosts_per_cell=1)
    try:
        second = ServersCloud(str(tmp_path / "second"), cells=1, hosts_per_cell=1)
        try:
            ids = [second.boot(f"s{i}") for i in range(4)]
            hosts = {p["uuid"] for p in second.placement.request(
                "GET", "/resource_providers", version="1.14").json()["resource_providers"]}
            for sid in ids:
                assert set(second.allocations(sid)) <= hosts
                assert second.allocations(sid)
            code, listed = first.admin.get("/servers?all_tenants=1")
            assert code == 200 and listed["servers"] == []
        finally:
            second.stop()
    finally:
        first.stop()


def test_a_failed_start_leaves_no_bus_or_thread_behind(tmp_path):
    """The compute API's port is taken: the start fails after the buses of
    the compute API and the other APIs' servers are up."""
    buses, threads = set(memory._buses), set(threading.enumerate())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = dataclasses.replace(free_ports(), compute=taken.getsockname()[1])
        cloud = EmbeddedCloud(Options(state_dir=str(tmp_path / "state"), cells=1,
                                      hosts_per_cell=1, ports=ports),
                              say=lambda _line: None)
        with pytest.raises(RuntimeError, match="Address already in use"):
            cloud.start()
    assert set(memory._buses) == buses
    # A stopped worker thread leaves its dispatcher a moment before it ends.
    deadline = time.monotonic() + 10
    while set(threading.enumerate()) - threads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(threading.enumerate()) <= threads
