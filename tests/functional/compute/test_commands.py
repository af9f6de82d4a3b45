"""nubes-compute and nubes-conductor wiring, in this process on a memory:// bus
(the RabbitMQ test runs them as real processes)."""
from __future__ import annotations

import os
import signal
import threading

import pytest

from nubes.cmd import compute as compute_cmd
from nubes.cmd import conductor as conductor_cmd
from tests.functional.compute.cloud import wait_for


@pytest.fixture
def restore_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_nubes_compute_runs_many_hosts_until_signalled(cloud, placement, tmp_path,
                                                       restore_signals):
    cloud.start_conductor()
    conf = tmp_path / "compute.conf"
    conf.write_text("\n".join([
        "[DEFAULT]", f"transport_url = {cloud.bus_urls['cell1']}", "report_interval = 0.2",
        "[fake_driver]", "host_size = many-2 vcpus=2",
        "[placement_client]", f"endpoint = {cloud.placement_url}", "token = admin"]) + "\n")
    hosts = ["many-1", "many-2", "many-3", "many-4"]

    def stop_when_running():
        # Reporting means started (the reports begin once a host serves).
        wait_for(lambda: sorted(h for h, s in cloud.services().items() if s.report_count)
                 == hosts, timeout=30, what="four hosts reporting")
        os.kill(os.getpid(), signal.SIGTERM)

    watcher = threading.Thread(target=stop_when_running, daemon=True)
    watcher.start()
    code = compute_cmd.main(["--config-file", str(conf), "--hosts", "4",
                             "--host-prefix", "many-"])
    watcher.join(5)
    assert code == 0
    assert sorted(cloud.services()) == hosts
    uuid = cloud.nodes()["many-2"].uuid
    inv = placement.get(f"/resource_providers/{uuid}/inventories").json["inventories"]
    assert inv["VCPU"]["total"] == 2


def test_nubes_conductor_serves_until_signalled(cloud, tmp_path, restore_signals):
    conf = tmp_path / "conductor.conf"
    conf.write_text("\n".join([
        "[DEFAULT]", f"transport_url = {cloud.bus_urls['cell2']}", "host = cond-x",
        "report_interval = 0.2",
        "[database]", f"connection = {cloud.deployment.cell_urls['cell2']}"]) + "\n")

    def agent_then_stop():
        wait_for(lambda: "cond-x" in cloud.services("cell2", "nova-conductor"),
                 what="the conductor's own record")
        cloud.start_agent("served", "cell2")
        os.kill(os.getpid(), signal.SIGTERM)

    watcher = threading.Thread(target=agent_then_stop, daemon=True)
    watcher.start()
    assert conductor_cmd.main(["--config-file", str(conf)]) == 0
    watcher.join(5)
    assert "served" in cloud.services("cell2")
