"""GET /os-simple-tenant-usage[/{tenant_id}] and
/os-instance_usage_audit_log[/{before}] through real HTTP on a two-cell
embedded cloud, plus ``openstack usage list/show``."""
from __future__ import annotations

import datetime
import urllib.parse

import pytest
import sqlalchemy as sa

from nubes.cells.cell_db.models import instances
from tests.fixtures.cloud import ADMIN_PROJECT, DEMO_PROJECT, ServersCloud, server_body

pytestmark = pytest.mark.slow
T0 = datetime.datetime(2024, 1, 1)
USAGE = "/os-simple-tenant-usage"


def _hours(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=n)


def _q(**params) -> str:
    return "?" + urllib.parse.urlencode(params)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("usage") / "state"),
                         cells=2, hosts_per_cell=1)
    yield cloud
    cloud.stop()


def _set_times(cloud, uuid: str, launched, terminated=None) -> None:
    """Pin a server's launch and termination times in whichever cell has it."""
    for name in ("cell1", "cell2"):
        db = cloud.embedded.databases.get(cloud.embedded.layout.cell_database(name))
        db.write(lambda conn: conn.execute(sa.update(instances).where(
            instances.c.uuid == uuid).values(launched_at=launched, terminated_at=terminated)))


@pytest.fixture(scope="module")
def servers(cloud):
    """a (demo, running since T0), b (demo, T0+1h..T0+3h, deleted),
    c (admin, running since T0+2h)."""
    image, made = cloud.image_id(), {}
    for name, api in (("a", cloud.demo), ("b", cloud.demo), ("c", cloud.admin)):
        code, body = api.post("/servers", server_body(image, name=name))
        assert code == 202, body
        made[name] = body["server"]["id"]
        cloud.wait_status(api, made[name], "ACTIVE")
    assert cloud.demo.delete(f"/servers/{made['b']}")[0] == 204
    cloud.wait_gone(cloud.demo, made["b"])
    _set_times(cloud, made["a"], _hours(0))
    _set_times(cloud, made["b"], _hours(1), _hours(3))
    _set_times(cloud, made["c"], _hours(2))
    return made


def _period(start=0, end=4, **extra) -> str:
    return _q(start=_hours(start).isoformat(), end=_hours(end).isoformat(), **extra)


def test_show_own_project(cloud, servers):
    code, body = cloud.demo.get(f"{USAGE}/{DEMO_PROJECT}" + _period())
    assert code == 200, body
    usage = body["tenant_usage"]
    assert usage["tenant_id"] == DEMO_PROJECT
    assert usage["start"] == "2024-01-01T00:00:00.000000"
    assert usage["stop"] == "2024-01-01T04:00:00.000000"
    assert usage["total_hours"] == pytest.approx(6.0)          # a: 4h, b: 2h
    assert usage["total_memory_mb_usage"] == pytest.approx(512 * 6)
    assert usage["total_vcpus_usage"] == pytest.approx(6.0)
    assert usage["total_local_gb_usage"] == pytest.approx(6.0)
    by_id = {s["instance_id"]: s for s in usage["server_usages"]}
    assert set(by_id) == {servers["a"], servers["b"]}
    a, b = by_id[servers["a"]], by_id[servers["b"]]
    assert (a["name"], a["state"], a["flavor"], a["ended_at"]) == ("a", "active", "m1.tiny",
                                                                   None)
    assert (a["hours"], a["memory_mb"], a["vcpus"], a["local_gb"]) == (4.0, 512, 1, 1)
    assert a["started_at"] == "2024-01-01T00:00:00.000000"
    assert a["uptime"] > 3600 * 24      # running since 2024
    assert (b["state"], b["hours"], b["uptime"]) == ("terminated", 2.0, 7200)
    assert b["ended_at"] == "2024-01-01T03:00:00.000000"
    assert "tenant_usage_links" not in body


def test_window_leaves_out_what_did_not_run(cloud, servers):
    code, body = cloud.admin.get(f"{USAGE}/{DEMO_PROJECT}" + _period(3.5, 5))
    assert code == 200
    assert [s["instance_id"] for s in body["tenant_usage"]["server_usages"]] == [servers["a"]]
    code, body = cloud.admin.get(f"{USAGE}/{DEMO_PROJECT}" + _period(-2, -1))
    assert (code, body) == (200, {"tenant_usage": {}})
    code, body = cloud.admin.get(f"{USAGE}/nobody" + _period())
    assert (code, body) == (200, {"tenant_usage": {}})


def test_list_all_projects(cloud, servers):
    code, body = cloud.admin.get(USAGE + _period())
    assert code == 200, body
    tenants = {t["tenant_id"]: t for t in body["tenant_usages"]}
    assert set(tenants) == {ADMIN_PROJECT, DEMO_PROJECT}
    assert tenants[ADMIN_PROJECT]["total_hours"] == pytest.approx(2.0)
    assert "server_usages" not in tenants[DEMO_PROJECT]
    code, body = cloud.admin.get(USAGE + _period(detailed="1"))
    detailed = {t["tenant_id"]: t for t in body["tenant_usages"]}
    assert [s["instance_id"] for s in detailed[ADMIN_PROJECT]["server_usages"]] == \
        [servers["c"]]


def test_paging_from_2_40(cloud, servers):
    seen, url = [], USAGE + _period(detailed="1", limit="1")
    while url:
        code, body = cloud.admin.get(url, version="2.40")
        assert code == 200, body
        page = [s["instance_id"] for t in body["tenant_usages"] for s in t["server_usages"]]
        assert len(page) <= 1
        seen += page
        links = body.get("tenant_usages_links")
        url = None
        if links:
            assert links[0]["rel"] == "next"
            url = links[0]["href"].split("/v2.1", 1)[1]
            assert f"marker={page[-1]}" in url
    # One order across both cells: project, then uuid.
    expected = sorted([(ADMIN_PROJECT, servers["c"]), (DEMO_PROJECT, servers["a"]),
                       (DEMO_PROJECT, servers["b"])])
    assert seen == [u for _, u in expected]
    # Before 2.40, limit and marker are not paging parameters.
    code, body = cloud.admin.get(USAGE + _period(detailed="1", limit="1"), version="2.39")
    assert sum(len(t["server_usages"]) for t in body["tenant_usages"]) == 3
    assert "tenant_usages_links" not in body
    code, body = cloud.demo.get(f"{USAGE}/{DEMO_PROJECT}" + _period(limit="1"),
                                version="2.40")
    assert len(body["tenant_usage"]["server_usages"]) == 1
    assert body["tenant_usage_links"][0]["href"].startswith(
        cloud.compute_url + f"{USAGE}/{DEMO_PROJECT}?")


@pytest.mark.parametrize("query", [
    _q(start="yesterday", end="2024-01-01T00:00:00"),
    _q(start="2024-01-01T00:00:00", end="2024-13-01T00:00:00"),
    _q(start="2024-01-01T00:00:00Z", end="2024-01-02T00:00:00"),
    _q(start="2024-01-02T00:00:00", end="2024-01-01T00:00:00"),
    _q(start="2024-01-01T00:00:00", end="2024-01-01T00:00:00"),
    _q(start="2024-01-01T00:00:00", end="2024-01-02T00:00:00", limit="-1"),
    _q(start="2024-01-01T00:00:00", end="2024-01-02T00:00:00", limit="x"),
    _q(start="2024-01-01T00:00:00", end="2024-01-02T00:00:00",
       marker="6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"),
])
def test_bad_input(cloud, servers, query):
    code, body = cloud.admin.get(USAGE + query, version="2.40")
    assert code == 400 and "badRequest" in body, body


def test_accepted_formats(cloud, servers):
    for start in ("2024-01-01T00:00:00.000000", "2024-01-01 00:00:00.000000"):
        code, body = cloud.admin.get(USAGE + _q(start=start, end=_hours(4).isoformat()))
        assert code == 200, (start, body)


def test_policy(cloud, servers):
    assert cloud.demo.get(USAGE + _period())[0] == 403
    code, body = cloud.demo.get(f"{USAGE}/{ADMIN_PROJECT}" + _period())
    assert code == 403 and "forbidden" in body
    assert cloud.admin.get(f"{USAGE}/{DEMO_PROJECT}" + _period())[0] == 200


# --- os-instance_usage_audit_log ------------------------------------------------------

AUDIT = "/os-instance_usage_audit_log"


def test_audit_log_has_no_task_logs(cloud):
    code, body = cloud.admin.get(AUDIT)
    assert code == 200, body
    log = body["instance_usage_audit_logs"]
    hosts = log["hosts_not_run"]
    assert len(hosts) == 2 and log["num_hosts"] == 2 == log["num_hosts_not_run"]
    assert (log["num_hosts_done"], log["num_hosts_running"], log["total_instances"],
            log["total_errors"], log["log"]) == (0, 0, 0, 0, {})
    assert log["overall_status"] == "0 of 2 hosts done. 0 errors."
    begin = datetime.datetime.strptime(log["period_beginning"], "%Y-%m-%d %H:%M:%S")
    end = datetime.datetime.strptime(log["period_ending"], "%Y-%m-%d %H:%M:%S")
    assert begin.day == end.day == 1 and (end - begin).days in (28, 29, 30, 31)


def test_audit_log_before(cloud):
    code, body = cloud.admin.get(AUDIT + "/2012-07-15 10:00:00")
    assert code == 200, body
    log = body["instance_usage_audit_log"]
    assert (log["period_beginning"], log["period_ending"]) == ("2012-06-01 00:00:00",
                                                               "2012-07-01 00:00:00")
    code, body = cloud.admin.get(AUDIT + "/2012-01-15 10:00:00.123456")
    assert body["instance_usage_audit_log"]["period_beginning"] == "2011-12-01 00:00:00"
    for bad in ("2012-07-15", "yesterday", "2012-13-01 00:00:00"):
        code, body = cloud.admin.get(f"{AUDIT}/{bad}")
        assert code == 400 and "badRequest" in body, bad
    assert cloud.demo.get(AUDIT)[0] == 403
    assert cloud.demo.get(AUDIT + "/2012-07-15 10:00:00")[0] == 403


# --- the openstack CLI ---------------------------------------------------------------

def test_openstack_usage_list_and_show(cloud, servers):
    def run(cloud_name, *args):
        return cloud.openstack(*args, as_=cloud_name)

    created = run("nubes-demo", "server", "create", "--flavor", "m1.tiny", "--image",
                  "cirros", "--nic", "none", "cli", "--wait", "-f", "json")
    today = datetime.date.today()
    period = ["--start", str(today - datetime.timedelta(days=1)),
              "--end", str(today + datetime.timedelta(days=1))]
    rows = run("nubes", "usage", "list", *period, "-f", "json")
    # The two API-token projects and the CLI's demo project have servers now.
    assert len(rows) == 3 and all(len(r["Servers"]) == 1 for r in rows), rows
    assert {r["Project"] for r in rows} >= {ADMIN_PROJECT, DEMO_PROJECT}
    shown = run("nubes-demo", "usage", "show", *period, "-f", "json")
    assert [s["instance_id"] for s in shown["Servers"]] == [created["id"]], shown
    assert float(shown["RAM MB-Hours"]) > 0, shown
    run("nubes-demo", "server", "delete", "--wait", created["id"])
