"""Self-healing on a whole embedded cloud: ``nubes-manage placement
heal_allocations`` (with ``--dry-run``) gives servers whose allocations were
lost their flavor back on their node, and the cell conductor puts servers
stuck in a task past ``instance_task_timeout`` in ERROR with a fault."""
from __future__ import annotations

import datetime
import time

import pytest
import sqlalchemy as sa

from nubes.cells.cell_db.models import instances
from nubes.cmd import manage
from tests.fixtures.cloud import module_cloud

pytestmark = pytest.mark.slow
TASK_TIMEOUT = 2
TINY = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


cloud = module_cloud("healing", cells=2,
                     overrides={"DEFAULT": {"instance_task_timeout": TASK_TIMEOUT}})


def _conf(cloud, tmp_path) -> str:
    path = tmp_path / "manage.conf"
    path.write_text(
        f"[api_database]\nconnection = {cloud.conf.api_database.connection}\n"
        f"[placement_client]\nendpoint = {cloud.conf.placement_client.endpoint}\n"
        f"token = {cloud.conf.placement_client.token}\n")
    return str(path)


def _wait_error(cloud, sid: str) -> dict:
    """The server once the stuck-task check has put it in ERROR."""
    deadline = time.monotonic() + 90
    while True:
        shown = cloud.demo.get(f"/servers/{sid}")[1]["server"]
        if shown["status"] == "ERROR":
            return shown
        assert time.monotonic() < deadline, shown
        time.sleep(0.2)


def test_heal_allocations_dry_run_then_heal(cloud, tmp_path, capsys):
    servers = [cloud.boot(f"heal-{i}") for i in range(3)]
    try:
        conf = _conf(cloud, tmp_path)
        assert manage.main(["--config-file", conf, "placement", "heal_allocations"]) == 4
        lost = servers[:2]
        for sid in lost:
            assert cloud.placement.delete_allocations(sid)
        capsys.readouterr()
        assert manage.main(["--config-file", conf, "placement", "heal_allocations",
                            "--dry-run", "--verbose"]) == 0
        out = capsys.readouterr().out
        assert "Dry run: 2 instance(s) would get allocations" in out
        assert all(cloud.allocations(sid) == {} for sid in lost)
        assert manage.main(["--config-file", conf, "placement", "heal_allocations",
                            "--max-count", "1"]) == 1
        assert manage.main(["--config-file", conf, "placement", "heal_allocations"]) == 0
        for sid in lost:
            assert list(cloud.allocations(sid).values()) == [TINY]
        assert manage.main(["--config-file", conf, "placement", "heal_allocations"]) == 4
        assert manage.main(["--config-file", conf, "placement", "heal_allocations",
                            "--max-count", "0"]) == 127
    finally:
        for sid in servers:
            cloud.demo.delete(f"/servers/{sid}")
        for sid in servers:
            cloud.wait_gone(cloud.demo, sid)
    cloud.wait_no_usage()


def test_a_server_stuck_in_a_task_goes_to_error(cloud):
    sid = cloud.boot("stuck")
    host = cloud.admin.get(f"/servers/{sid}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
    db = cloud.embedded.databases.get(
        cloud.embedded.layout.cell_database(host.split("-")[0]))
    long_ago = datetime.datetime.utcnow() - datetime.timedelta(seconds=TASK_TIMEOUT * 5)
    db.write(lambda conn: conn.execute(sa.update(instances).where(instances.c.uuid == sid)
                                       .values(task_state="rebooting", updated_at=long_ago)))
    shown = _wait_error(cloud, sid)
    assert shown["OS-EXT-STS:task_state"] is None
    assert "Timed out in task_state rebooting" in shown["fault"]["message"]
    # A fresh task is left alone.
    other = cloud.boot("busy")
    assert cloud.demo.post(f"/servers/{other}/action", {"os-stop": None})[0] == 202
    cloud.wait_status(cloud.demo, other, "SHUTOFF")
    for server in (sid, other):
        cloud.demo.delete(f"/servers/{server}")
    for server in (sid, other):
        cloud.wait_gone(cloud.demo, server)


def test_a_restarted_host_brings_guests_and_allocations_back(cloud):
    running, stopped = cloud.boot("back-1"), cloud.boot("back-2")
    try:
        assert cloud.demo.post(f"/servers/{stopped}/action", {"os-stop": None})[0] == 202
        cloud.wait_status(cloud.demo, stopped, "SHUTOFF")
        hosts = {sid: cloud.admin.get(f"/servers/{sid}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
                 for sid in (running, stopped)}
        agents = {a.host: a for a in cloud.embedded.agents}
        # What a restart of a fake host looks like: its guests are gone;
        # and placement lost one allocation meanwhile.
        for sid, host in hosts.items():
            agents[host].driver.destroy(sid)
        assert cloud.placement.delete_allocations(running)
        results = [agents[h].reconcile() for h in sorted(set(hosts.values()))]
        assert sum(r.guests for r in results) == 2
        assert sum(r.healed for r in results) == 1
        assert agents[hosts[running]].driver.power_state(running) == 1
        assert agents[hosts[stopped]].driver.power_state(stopped) == 4
        assert list(cloud.allocations(running).values()) == [TINY]
        # Nothing more to do the second time.
        again = [agents[h].reconcile() for h in sorted(set(hosts.values()))]
        assert sum(r.guests + r.healed for r in again) == 0
        assert cloud.demo.post(f"/servers/{stopped}/action", {"os-start": None})[0] == 202
        cloud.wait_status(cloud.demo, stopped, "ACTIVE")
    finally:
        for sid in (running, stopped):
            cloud.demo.delete(f"/servers/{sid}")
        for sid in (running, stopped):
            cloud.wait_gone(cloud.demo, sid)
    cloud.wait_no_usage()


def test_a_build_never_handled_goes_to_error_and_frees_its_allocation(cloud):
    """A server created in its cell but whose build cast was never handled
    (its host died): its record was never updated, it still counts as stuck,
    and as it never ran its allocation and its host go (the host's
    reconcile on restart must not claim it again)."""
    sid = cloud.boot("never-built")
    host = cloud.admin.get(f"/servers/{sid}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
    assert cloud.allocations(sid) != {}
    db = cloud.embedded.databases.get(
        cloud.embedded.layout.cell_database(host.split("-")[0]))
    long_ago = datetime.datetime.utcnow() - datetime.timedelta(seconds=TASK_TIMEOUT * 5)
    db.write(lambda conn: conn.execute(sa.update(instances).where(instances.c.uuid == sid)
                                       .values(vm_state="building", task_state="spawning",
                                               created_at=long_ago, updated_at=None)))
    shown = _wait_error(cloud, sid)
    assert "Timed out in task_state spawning" in shown["fault"]["message"]
    assert cloud.allocations(sid) == {}
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert shown["OS-EXT-SRV-ATTR:host"] is None, shown
    cloud.demo.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.demo, sid)
    cloud.wait_no_usage()
