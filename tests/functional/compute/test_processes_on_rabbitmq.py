"""nubes-conductor and nubes-compute as separate processes on RabbitMQ.

Runs when ``NUBES_TEST_RABBIT_URL`` is set (``rabbit://guest:guest@127.0.0.1:5672/``);
it then creates its own vhost with ``rabbitmqctl`` and deletes it after.
Set but unreachable fails the test: it never skips then.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid

import kombu
import pytest

from nubes.common.rpc.rabbit import kombu_urls
from nubes.common.rpc.rabbit_consumer import connect_once
from nubes.compute.rpcapi import ComputeAPI
from tests.functional.compute.cloud import Cloud, wait_for

RABBIT_ENV = "NUBES_TEST_RABBIT_URL"


def _rabbitmqctl(*args: str) -> None:
    exe = shutil.which("rabbitmqctl")
    if exe is None:
        pytest.fail(f"{RABBIT_ENV} is set but rabbitmqctl is not installed")
    proc = subprocess.run([exe, "-q", *args], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        pytest.fail(f"rabbitmqctl {' '.join(args)} failed: {proc.stderr or proc.stdout}")


@pytest.fixture
def rabbit_cell_url():
    """A fresh vhost for this test's cell, as a ``rabbit://`` URL."""
    base = os.environ.get(RABBIT_ENV)
    if not base:
        pytest.skip(f"{RABBIT_ENV} is not set")
    urls, _ = kombu_urls(base)
    conn = kombu.Connection(urls[0], connect_timeout=5)
    try:
        connect_once(conn)
    except Exception as exc:  # noqa: BLE001 - any failure to connect fails the test
        pytest.fail(f"{RABBIT_ENV} is set but RabbitMQ cannot be reached: {exc}")
    finally:
        conn.release()
    split = urllib.parse.urlsplit(base.replace("rabbit://", "amqp://", 1))
    user = urllib.parse.unquote(split.username or "guest")
    vhost = "nubes-compute-test-" + uuid.uuid4().hex[:10]
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        scheme, _, rest = base.partition("://")
        yield f"{scheme}://{rest.split('/', 1)[0]}/{urllib.parse.quote(vhost, safe='')}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


def _write(path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _start(tmp_path, name: str, *argv: str) -> subprocess.Popen:
    log = open(tmp_path / f"{name}.log", "w")
    return subprocess.Popen([sys.executable, "-m", *argv], stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL)


def _start_cell(tmp_path, deployment, placement_url: str, bus_url: str,
                defaults: list[str], *, hosts: int, prefix: str
                ) -> tuple[subprocess.Popen, subprocess.Popen]:
    """A cell conductor and a compute process with ``hosts`` fake hosts, on
    cell1's database and ``bus_url``; ``defaults``: more [DEFAULT] lines."""
    common = ["[DEFAULT]", f"transport_url = {bus_url}", *defaults,
              "[oslo_messaging_rabbit]", "rabbit_retry_interval = 0.2",
              "rabbit_interval_max = 1"]
    conductor_conf = _write(tmp_path / "conductor.conf", common + [
        "host = rmq-conductor", "[database]", f"connection = {deployment.cell_urls['cell1']}"])
    # The computes get no database at all: only the bus and placement.
    compute_conf = _write(tmp_path / "compute.conf", common + [
        "[fake_driver]", "vcpus = 8", "[placement_client]",
        f"endpoint = {placement_url}", "token = admin"])
    conductor = _start(tmp_path, "conductor", "nubes.cmd.conductor",
                       "--config-file", conductor_conf)
    compute = _start(tmp_path, "compute", "nubes.cmd.compute", "--config-file", compute_conf,
                     "--hosts", str(hosts), "--host-prefix", prefix)
    return conductor, compute


def _kill(*procs: subprocess.Popen) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _stop(proc: subprocess.Popen, tmp_path, name: str, timeout: float = 30.0) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        raise AssertionError(f"{name} did not stop on SIGTERM:\n"
                             + (tmp_path / f"{name}.log").read_text()[-3000:])


def test_conductor_and_computes_as_processes(deployment, placement, placement_server,
                                             rabbit_cell_url, tmp_path):
    cloud = Cloud(deployment, placement_server.url, bus_urls={"cell1": rabbit_cell_url})
    conductor, compute = _start_cell(tmp_path, deployment, placement_server.url,
                                     rabbit_cell_url, ["report_interval = 0.3"],
                                     hosts=3, prefix="rmq-")
    try:
        hosts = ["rmq-1", "rmq-2", "rmq-3"]
        wait_for(lambda: sorted(cloud.services()) == hosts, timeout=60,
                 what="three compute services")
        wait_for(lambda: sorted(cloud.nodes()) == hosts, timeout=30, what="three nodes")
        wait_for(lambda: min(s.report_count for s in cloud.services().values()) >= 2,
                 timeout=30, what="liveness reports")
        nodes = cloud.nodes()
        for host in hosts:
            inv = placement.get(f"/resource_providers/{nodes[host].uuid}/inventories")
            assert inv.json["inventories"]["VCPU"]["total"] == 8
        assert sorted(h for _, h in cloud.discover_hosts().mapped) == hosts

        compute_api = ComputeAPI(cloud.transport("cell1"), timeout=20)
        assert compute_api.ping(None, "rmq-2").nodes[0].uuid == nodes["rmq-2"].uuid
        assert compute_api.set_host_enabled(None, "rmq-2", False) == "disabled"
        traits = placement.get(f"/resource_providers/{nodes['rmq-2'].uuid}/traits").json
        assert "COMPUTE_STATUS_DISABLED" in traits["traits"]

        assert _stop(compute, tmp_path, "compute") == 0
        stopped = {h: s.report_count for h, s in cloud.services().items()}
        wait_for(lambda: cloud.services()["rmq-1"].report_count == stopped["rmq-1"],
                 what="reports to stop")
        time.sleep(1.0)
        assert {h: s.report_count for h, s in cloud.services().items()} == stopped
        assert _stop(conductor, tmp_path, "conductor") == 0
    finally:
        _kill(compute, conductor)
        cloud.close()


def test_computes_stop_promptly_when_their_conductor_is_gone(deployment, placement_server,
                                                             rabbit_cell_url, tmp_path):
    """Liveness reports left waiting for a conductor that stopped do not
    hold up the computes' own stop (each would wait the RPC timeout)."""
    cloud = Cloud(deployment, placement_server.url, bus_urls={"cell1": rabbit_cell_url})
    conductor, compute = _start_cell(
        tmp_path, deployment, placement_server.url, rabbit_cell_url,
        ["report_interval = 0.2", "rpc_response_timeout = 120"], hosts=6, prefix="gone-")
    try:
        wait_for(lambda: len(cloud.services()) == 6, timeout=60, what="six compute services")
        assert _stop(conductor, tmp_path, "conductor") == 0
        time.sleep(1.0)     # every host now has a report waiting for an answer
        # Hosts stopped one after another, each waiting out its report's
        # 120 s timeout (or 30 s of it), would take minutes; together, and
        # abandoning the reports, seconds (90 allows for a loaded machine).
        assert _stop(compute, tmp_path, "compute", timeout=90.0) == 0
    finally:
        _kill(compute, conductor)
        cloud.close()
