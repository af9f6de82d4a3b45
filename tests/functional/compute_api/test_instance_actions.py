"""GET /servers/{id}/os-instance-actions[/{request_id}] through real HTTP on
a whole embedded cloud: the microversion windows (2.21 deleted servers,
2.58 paging and updated_at, 2.62 event host/hostId, 2.66 changes-before,
2.84 event details), paging across many actions, the time filters, bad
input, other projects, and the ``openstack server event`` CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse

import pytest

from tests.fixtures.cloud import ServersCloud, server_body

pytestmark = pytest.mark.slow
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")
MAX_LIMIT = 10
ROUNDS = 6          # pause + unpause each: 12 actions after the create


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("instance-actions") / "state"),
                         cells=1, hosts_per_cell=1,
                         overrides={"api": {"max_limit": MAX_LIMIT}})
    yield cloud
    cloud.stop()


def _boot(cloud, api, name):
    code, body = api.post("/servers", server_body(cloud.image_id(), name=name))
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(api, sid, "ACTIVE")
    return sid


@pytest.fixture(scope="module")
def busy(cloud):
    """A demo server with a create and 12 pause/unpause actions: (its id,
    the request ids of the pauses and unpauses in the order they were
    made)."""
    sid = _boot(cloud, cloud.demo, "busy")
    made = []
    for _ in range(ROUNDS):
        for verb, status in (("pause", "PAUSED"), ("unpause", "ACTIVE")):
            assert cloud.demo.post(f"/servers/{sid}/action", {verb: None})[0] == 202
            made.append(cloud.demo.last_headers["x-openstack-request-id"])
            cloud.wait_status(cloud.demo, sid, status)
    cloud.wait_action_done(sid, "unpause")
    yield sid, made
    cloud.demo.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.demo, sid)


def _list(api, sid, query="", version="2.66"):
    return api.get(f"/servers/{sid}/os-instance-actions{query}", version=version)


def _path_of(cloud, href):
    assert href.startswith(cloud.compute_url), href
    return href[len(cloud.compute_url):]


def _all(cloud, sid):
    """Every action (admin, limit bounded: paged through the links)."""
    found, path = [], f"/servers/{sid}/os-instance-actions"
    while path:
        code, body = cloud.admin.get(path, version="2.66")
        assert code == 200, body
        found += body["instanceActions"]
        path = _path_of(cloud, body["links"][0]["href"]) if "links" in body else None
    return found


def test_paging_newest_first_across_many_actions(cloud, busy):
    sid, made = busy
    expected = list(reversed(made))     # newest first, the create last
    pages, path = [], f"/servers/{sid}/os-instance-actions?limit=5"
    while path:
        code, body = cloud.demo.get(path, version="2.58")
        assert code == 200, body
        pages.append(body)
        path = _path_of(cloud, body["links"][0]["href"]) if "links" in body else None
    assert [len(p["instanceActions"]) for p in pages] == [5, 5, 3]
    listed = [a for p in pages for a in p["instanceActions"]]
    assert [a["request_id"] for a in listed[:12]] == expected
    assert [a["action"] for a in listed] == ["unpause", "pause"] * ROUNDS + ["create"]
    link = pages[0]["links"][0]
    assert link["rel"] == "next"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["href"]).query)
    assert query == {"limit": ["5"], "marker": [expected[4]]}
    # A marker alone: what follows it.
    code, body = _list(cloud.demo, sid, f"?marker={expected[9]}")
    assert code == 200
    assert [a["request_id"] for a in body["instanceActions"][:2]] == expected[10:12]
    assert body["instanceActions"][-1]["action"] == "create"
    assert "links" not in body
    assert _list(cloud.demo, sid, f"?marker={listed[-1]['request_id']}")[1] == {
        "instanceActions": []}


def test_limit_is_bounded_by_max_limit(cloud, busy):
    sid, made = busy
    for query in ("", f"?limit={MAX_LIMIT * 100}", "?limit=99999999999999999999"):
        code, body = _list(cloud.demo, sid, query)
        assert code == 200
        assert [a["request_id"] for a in body["instanceActions"]] == \
            list(reversed(made))[:MAX_LIMIT]
        assert body["links"][0]["rel"] == "next"
    # 0: an empty page.
    assert _list(cloud.demo, sid, "?limit=0")[1] == {"instanceActions": []}
    # Before 2.58: no paging, parameters ignored, still cut at max_limit.
    code, body = _list(cloud.demo, sid, "?limit=2&marker=nope&whatever=1", version="2.57")
    assert code == 200
    assert len(body["instanceActions"]) == MAX_LIMIT and "links" not in body
    assert "updated_at" not in body["instanceActions"][0]
    assert len(_all(cloud, sid)) == 2 * ROUNDS + 1


def test_changes_since_and_before(cloud, busy):
    sid, _ = busy
    every = _all(cloud, sid)
    stamps = sorted({a["updated_at"] for a in every})
    assert all(a["updated_at"] for a in every)
    low, high = stamps[0], stamps[-1]
    middle = stamps[len(stamps) // 2]

    def ids(query, version="2.66"):
        code, body = cloud.admin.get(f"/servers/{sid}/os-instance-actions{query}",
                                     version=version)
        assert code == 200, body
        return [a["request_id"] for a in body["instanceActions"]]

    def expect(pred):
        return [a["request_id"] for a in every if pred(a["updated_at"])][:MAX_LIMIT]

    assert ids(f"?changes-since={middle}") == expect(lambda t: t >= middle)
    assert ids(f"?changes-since={middle}", version="2.58") == expect(lambda t: t >= middle)
    assert ids(f"?changes-before={middle}") == expect(lambda t: t <= middle)
    assert ids(f"?changes-since={low}&changes-before={high}&limit=50") == expect(
        lambda t: True)
    assert ids(f"?changes-since={middle}&changes-before={middle}") == expect(
        lambda t: t == middle)
    assert ids("?changes-since=2999-01-01T00:00:00Z") == []
    assert ids("?changes-before=2000-01-01T00:00:00%2B02:00") == []
    # An offset is converted to UTC.
    assert ids("?changes-since=2000-01-01T00:00:00-05:00") == expect(lambda t: True)


@pytest.mark.parametrize("query,version,text", [
    ("?marker=req-nope", "2.58", "Marker req-nope could not be found."),
    ("?changes-since=yesterday", "2.58", "is not a 'date-time'"),
    ("?changes-before=2020-13-45T00:00:00Z", "2.66", "is not a 'date-time'"),
    ("?changes-since=2021-01-01T00:00:00Z&changes-before=2020-01-01T00:00:00Z", "2.66",
     "changes-since must be less than or equal to changes-before"),
    ("?changes-before=2020-01-01T00:00:00Z", "2.65",
     "Additional properties are not allowed ('changes-before' was unexpected)"),
    ("?sort_key=created_at", "2.58",
     "Additional properties are not allowed ('sort_key' was unexpected)"),
    ("?limit=-1", "2.58", "Invalid input for query parameters limit."),
    ("?limit=ten", "2.58", "Invalid input for query parameters limit."),
    ("?limit=1&limit=2", "2.58", "Invalid input for query parameters limit."),
])
def test_bad_query_parameters(cloud, busy, query, version, text):
    sid, _ = busy
    code, body = _list(cloud.demo, sid, query, version=version)
    assert code == 400, body
    assert text in body["badRequest"]["message"]
    assert body["badRequest"]["code"] == 400


def test_marker_of_another_server_is_400(cloud, busy):
    _, made = busy
    other = _boot(cloud, cloud.demo, "other")
    try:
        code, body = _list(cloud.demo, other, f"?marker={made[0]}")
        assert code == 400 and f"Marker {made[0]} could not be found." == \
            body["badRequest"]["message"]
    finally:
        cloud.demo.delete(f"/servers/{other}")
        cloud.wait_gone(cloud.demo, other)


def test_fields_by_microversion(cloud, busy):
    sid, made = busy
    pause = made[0]
    shown = cloud.demo.get(f"/servers/{sid}")[1]["server"]
    path = f"/servers/{sid}/os-instance-actions/{pause}"
    old = cloud.demo.get(path, version="2.57")[1]["instanceAction"]
    assert "updated_at" not in old
    assert {"host", "hostId"}.isdisjoint(old["events"][0])
    new = cloud.demo.get(path, version="2.58")[1]["instanceAction"]
    assert new["updated_at"] and new["action"] == "pause" and new["request_id"] == pause
    assert new["instance_uuid"] == sid and new["project_id"] == "demo-project"
    # 2.62: hostId for the owner (hashed as the server's own hostId), host
    # and traceback only for admins.
    member = cloud.demo.get(path, version="2.62")[1]["instanceAction"]["events"][0]
    assert member["hostId"] == shown["hostId"] != ""
    assert {"host", "traceback", "details"}.isdisjoint(member)
    admin = cloud.admin.get(path, version="2.62")[1]["instanceAction"]["events"][0]
    assert admin["hostId"] == shown["hostId"]
    assert admin["host"] == cloud.admin.get(f"/servers/{sid}")[1]["server"][
        "OS-EXT-SRV-ATTR:host"]
    assert "traceback" in admin and "details" not in admin
    # 2.84: details for admins only.
    assert "details" in cloud.admin.get(path, version="2.84")[1]["instanceAction"][
        "events"][0]
    assert "details" not in cloud.demo.get(path, version="2.84")[1]["instanceAction"][
        "events"][0]
    listed = _list(cloud.demo, sid, "?limit=1", version="2.58")[1]["instanceActions"][0]
    assert set(listed) == {"action", "instance_uuid", "request_id", "user_id", "project_id",
                           "start_time", "message", "updated_at"}


def test_deleted_server_readable_from_2_21(cloud):
    sid = _boot(cloud, cloud.demo, "gone")
    create = _list(cloud.demo, sid)[1]["instanceActions"][0]["request_id"]
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    delete = cloud.demo.last_headers["x-openstack-request-id"]
    cloud.wait_gone(cloud.demo, sid)
    for version in ("2.1", "2.20"):
        code, body = _list(cloud.demo, sid, version=version)
        assert code == 404 and "itemNotFound" in body, version
        code, _ = cloud.demo.get(f"/servers/{sid}/os-instance-actions/{create}",
                                 version=version)
        assert code == 404
    code, body = _list(cloud.demo, sid, version="2.21")
    assert code == 200
    assert [(a["action"], a["request_id"]) for a in body["instanceActions"]] == [
        ("delete", delete), ("create", create)]
    code, body = cloud.demo.get(f"/servers/{sid}/os-instance-actions/{delete}",
                                version="2.21")
    assert code == 200 and body["instanceAction"]["action"] == "delete"
    assert _list(cloud.demo, sid, "?limit=1")[1]["links"][0]["rel"] == "next"
    # An admin reads it too.
    code, _ = _list(cloud.admin, sid, version="2.21")
    assert code == 200


def test_other_projects_server_is_404(cloud, busy):
    sid, made = busy
    theirs = _boot(cloud, cloud.admin, "admins")
    try:
        for version in ("2.1", "2.58", "latest"):
            assert _list(cloud.demo, theirs, version=version)[0] == 404
        theirs_create = _list(cloud.admin, theirs)[1]["instanceActions"][0]["request_id"]
        code, body = cloud.demo.get(f"/servers/{theirs}/os-instance-actions/{theirs_create}")
        assert code == 404 and "itemNotFound" in body
        # The admin reads the demo project's server.
        assert len(_list(cloud.admin, sid, "?limit=3")[1]["instanceActions"]) == 3
        assert cloud.admin.get(f"/servers/{sid}/os-instance-actions/{made[0]}")[0] == 200
    finally:
        cloud.admin.delete(f"/servers/{theirs}")
        cloud.wait_gone(cloud.admin, theirs)
    missing = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"
    assert _list(cloud.demo, missing)[0] == 404
    assert cloud.demo.get(f"/servers/{sid}/os-instance-actions/req-nope")[0] == 404


def test_openstack_cli_server_events(cloud, busy):
    sid, made = busy
    assert os.path.exists(OPENSTACK), "the openstack CLI is missing"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = cloud.clouds_yaml

    def run(*args):
        out = subprocess.run([OPENSTACK, "--os-cloud", "nubes", *args], env=env,
                             capture_output=True, text=True, timeout=180, check=False)
        assert out.returncode == 0, (args, out.stderr)
        return json.loads(out.stdout)

    # The CLI follows the next links past [api] max_limit.
    events = run("server", "event", "list", sid, "-f", "json")
    assert [e["Request ID"] for e in events][:-1] == list(reversed(made))
    assert events[-1]["Action"] == "create"
    paged = run("server", "event", "list", "--limit", "4", sid, "-f", "json")
    assert [e["Action"] for e in paged] == ["unpause", "pause"] * 2
    shown = run("server", "event", "show", sid, made[0], "-f", "json")
    assert shown["action"] == "pause" and shown["request_id"] == made[0]
