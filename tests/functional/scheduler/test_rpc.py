"""select_destinations over the message bus (memory://), end to end."""
from __future__ import annotations

import os
import signal
import threading
import time
import uuid as uuidlib

import pytest

from nubes.cmd import scheduler as scheduler_cmd
from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.scheduler.messages import NoValidHost, ServerGroup
from nubes.scheduler.rpcapi import SchedulerAPI
from nubes.scheduler.process import Scheduler
from tests.functional.scheduler.helpers import spec


@pytest.fixture
def bus(cloud):
    transport = rpc.get_transport(f"memory://sched-{uuidlib.uuid4().hex[:8]}")
    schedulers = [Scheduler(cloud.conf, cloud.deployment.api_db, transport,
                            databases=cloud.databases, host=f"sched-{i}").start()
                  for i in range(2)]
    yield SchedulerAPI(transport, timeout=30)
    for scheduler in schedulers:
        scheduler.stop()
    transport.close()


def test_select_destinations(cloud, bus):
    cloud.add_host("c1-a", "cell1", vcpus=8, memory_mb=8192, disk_gb=80)
    cloud.add_host("c1-b", "cell1")
    cloud.add_host("c2-a", "cell2")
    instances = [str(uuidlib.uuid4()) for _ in range(2)]
    ctx = RequestContext.admin()
    result = bus.select_destinations(ctx, spec(), instances)
    assert [[s.service_host for s in per] for per in result] == [["c1-a", "c1-b"]] * 2
    for instance, per in zip(instances, result):
        assert per[0].claimed and per[0].consumer_uuid == instance
        assert not per[1].claimed
        assert list(cloud.allocations(instance)["allocations"]) == [
            cloud.hosts["c1-a"].uuid]
    without = bus.select_destinations(ctx, spec(), [str(uuidlib.uuid4())],
                                      return_alternates=False)
    assert len(without) == 1 and len(without[0]) == 1


def test_no_valid_host_arrives_as_itself(cloud, bus):
    cloud.add_host("h1", vcpus=1)
    group = ServerGroup(str(uuidlib.uuid4()), "anti-affinity", hosts=["h1"])
    with pytest.raises(NoValidHost):
        bus.select_destinations(RequestContext.admin(), spec(server_group=group),
                                [str(uuidlib.uuid4())])
    with pytest.raises(NoValidHost, match="no allocation candidates"):
        bus.select_destinations(RequestContext.admin(), spec(vcpus=4),
                                [str(uuidlib.uuid4())])


@pytest.fixture
def restore_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_nubes_scheduler_serves_until_signalled(cloud, tmp_path, restore_signals):
    cloud.add_host("h1")
    url = f"memory://cmd-{uuidlib.uuid4().hex[:8]}"
    conf = tmp_path / "scheduler.conf"
    conf.write_text("\n".join([
        "[DEFAULT]", f"transport_url = {url}", "host = sched-cmd",
        "[api_database]", f"connection = {cloud.deployment.api_url}",
        "[placement_client]", f"endpoint = {cloud.placement.base_url}", "token = admin",
    ]) + "\n")
    answers = []

    def call_then_stop():
        transport = rpc.get_transport(url)
        try:
            api = SchedulerAPI(transport, timeout=30)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    answers.append(api.select_destinations(
                        RequestContext.admin(), spec(), [str(uuidlib.uuid4())]))
                    break
                except rpc.Undeliverable:  # not listening yet
                    time.sleep(0.05)
        finally:
            transport.close()
            os.kill(os.getpid(), signal.SIGTERM)

    watcher = threading.Thread(target=call_then_stop, daemon=True)
    watcher.start()
    assert scheduler_cmd.main(["--config-file", str(conf)]) == 0
    watcher.join(5)
    assert [[s.service_host for s in per] for per in answers[0]] == [["h1"]]


def test_nubes_scheduler_needs_its_settings(tmp_path, capsys):
    conf = tmp_path / "empty.conf"
    conf.write_text("[DEFAULT]\n")
    assert scheduler_cmd.main(["--config-file", str(conf)]) == 1
    assert "[api_database] connection is not set" in capsys.readouterr().err
