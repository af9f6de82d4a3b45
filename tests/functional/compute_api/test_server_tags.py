"""/servers/{id}/tags[/{tag}] (2.26+) through real HTTP on a whole
embedded cloud of two cells: every verb, the microversion window, the tag
rules and the 50-tag limit, states that refuse changes, other projects'
servers, the tag filters of GET /servers across both cells with paging,
and the ``openstack`` CLI (server set/unset --property, --tag, --name;
server list --tags)."""
from __future__ import annotations

from urllib.parse import parse_qs, quote, urlparse

import pytest
import sqlalchemy as sa

from nubes.cells.cell_db import models as cell_models
from tests.fixtures.cloud import ServersCloud, server_body

pytestmark = pytest.mark.slow
MISSING = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("tags") / "state"),
                         cells=2, hosts_per_cell=1)
    yield cloud
    cloud.stop()


def _boot(cloud, api, name, **kw) -> str:
    code, body = api.post("/servers", server_body(cloud.image_id(), name=name, **kw))
    assert code == 202, body
    return body["server"]["id"]


@pytest.fixture(scope="module")
def fleet(cloud):
    """Four servers of the demo project, in both cells."""
    ids = [_boot(cloud, cloud.demo, f"t{i}") for i in range(4)]
    hosts = {cloud.wait_status(cloud.admin, sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
             for sid in ids}
    assert {h.split("-")[0] for h in hosts} == {"cell1", "cell2"}, hosts
    yield ids
    for sid in ids:
        cloud.demo.delete(f"/servers/{sid}")
    for sid in ids:
        cloud.wait_gone(cloud.demo, sid)


@pytest.fixture
def server(fleet, cloud):
    sid = fleet[0]
    yield sid
    cloud.demo.delete(f"/servers/{sid}/tags")


def _tags(cloud, sid, api=None):
    return (api or cloud.demo).get(f"/servers/{sid}/tags")


def test_every_verb(cloud, server):
    base = f"/servers/{server}/tags"
    demo = cloud.demo
    assert _tags(cloud, server) == (200, {"tags": []})
    code, body = demo.request("PUT", base, {"tags": ["web", "prod", "web", "b c"]})
    assert (code, body) == (200, {"tags": ["b c", "prod", "web"]})
    assert _tags(cloud, server)[1] == {"tags": ["b c", "prod", "web"]}
    assert demo.get(f"{base}/web") == (204, None)
    assert demo.get(f"{base}/b%20c") == (204, None)
    code, body = demo.get(f"{base}/nope")
    assert code == 404 and "itemNotFound" in body
    code, body = demo.request("PUT", f"{base}/new")
    assert (code, body) == (201, None)
    assert demo.last_headers["Location"].endswith(f"/v2.1/servers/{server}/tags/new")
    assert demo.request("PUT", f"{base}/new") == (204, None)
    code, _ = demo.request("PUT", f"{base}/%C3%A9t%C3%A9")
    assert code == 201 and demo.last_headers["Location"].endswith(
        f"/tags/{quote('été')}")
    assert demo.delete(f"{base}/prod") == (204, None)
    assert demo.delete(f"{base}/prod")[0] == 404
    assert _tags(cloud, server)[1] == {"tags": ["b c", "new", "web", "été"]}
    # The server view shows them from 2.26.
    shown = demo.get(f"/servers/{server}")[1]["server"]
    assert shown["tags"] == ["b c", "new", "web", "été"]
    assert "tags" not in demo.get(f"/servers/{server}", version="2.25")[1]["server"]
    assert demo.delete(base) == (204, None)
    assert _tags(cloud, server)[1] == {"tags": []}


def test_microversion_window(cloud, server):
    base = f"/servers/{server}/tags"
    for method, path, body in (("GET", base, None), ("PUT", base, {"tags": ["a"]}),
                               ("DELETE", base, None), ("GET", f"{base}/a", None),
                               ("PUT", f"{base}/a", None), ("DELETE", f"{base}/a", None)):
        code, answer = cloud.demo.request(method, path, body, version="2.25")
        assert code == 404 and "itemNotFound" in answer, (method, path)
    assert _tags(cloud, server)[1] == {"tags": []}


@pytest.mark.parametrize("body", [
    {"tags": ["a,b"]}, {"tags": ["t" * 61]}, {"tags": [""]}, {"tags": [1]},
    {"tags": [None]}, {"tags": "web"}, {"tags": {"web": 1}},
    {"tags": [f"t{i}" for i in range(51)]}, {"tag": ["a"]}, {}, {"tags": [], "x": 1},
])
def test_bad_bodies_are_400(cloud, server, body):
    code, answer = cloud.demo.request("PUT", f"/servers/{server}/tags", body)
    assert code == 400 and "badRequest" in answer, (body, answer)
    assert _tags(cloud, server)[1] == {"tags": []}


def test_bad_tags_in_the_url_and_the_limit(cloud, server):
    base = f"/servers/{server}/tags"
    for tag in ("a,b", "t" * 61):
        code, answer = cloud.demo.request("PUT", f"{base}/{tag}")
        assert code == 400 and "badRequest" in answer, tag
    fifty = [f"t{i:02}" for i in range(50)]
    assert cloud.demo.request("PUT", base, {"tags": fifty})[0] == 200
    code, answer = cloud.demo.request("PUT", f"{base}/one-more")
    assert code == 400
    assert answer["badRequest"]["message"] == \
        "The number of tags exceeded the per-server limit 50"
    assert cloud.demo.request("PUT", f"{base}/t00")[0] == 204
    assert len(_tags(cloud, server)[1]["tags"]) == 50


def test_states_that_refuse_changes(cloud, server):
    inst = cell_models.instances
    host = cloud.admin.get(f"/servers/{server}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
    db = cloud.embedded.databases.get(
        cloud.embedded.layout.cell_database(host.split("-")[0]))

    def set_state(vm_state):
        db.write(lambda conn: conn.execute(sa.update(inst).where(inst.c.uuid == server)
                                           .values(vm_state=vm_state)))
    base = f"/servers/{server}/tags"
    set_state("error")
    try:
        code, answer = cloud.demo.request("PUT", f"{base}/a")
        assert code == 409
        assert answer["conflictingRequest"]["message"] == (
            f"Cannot 'update tag' instance {server} while it is in vm_state error")
        assert cloud.demo.request("PUT", base, {"tags": ["a"]})[0] == 409
        assert cloud.demo.delete(base)[0] == 409
        assert cloud.demo.delete(f"{base}/a")[0] == 409
        assert _tags(cloud, server) == (200, {"tags": []})
    finally:
        set_state("active")
    # A locked server's tags may change (only metadata is guarded by the lock).
    db.write(lambda conn: conn.execute(sa.update(inst).where(inst.c.uuid == server)
                                       .values(locked=True)))
    try:
        assert cloud.demo.request("PUT", f"{base}/while-locked")[0] == 201
    finally:
        db.write(lambda conn: conn.execute(sa.update(inst).where(inst.c.uuid == server)
                                           .values(locked=False)))


def test_other_projects_server_is_404(cloud, server):
    sid = _boot(cloud, cloud.admin, "admins", tags=["mine"])
    cloud.wait_status(cloud.admin, sid, "ACTIVE")
    try:
        base = f"/servers/{sid}/tags"
        for method, path, body in (("GET", base, None), ("PUT", base, {"tags": []}),
                                   ("DELETE", base, None), ("GET", f"{base}/mine", None),
                                   ("PUT", f"{base}/x", None),
                                   ("DELETE", f"{base}/mine", None)):
            code, answer = cloud.demo.request(method, path, body)
            assert code == 404 and "itemNotFound" in answer, (method, path)
        assert _tags(cloud, sid, api=cloud.admin)[1] == {"tags": ["mine"]}
        assert cloud.demo.get(f"/servers/{MISSING}/tags")[0] == 404
        # An admin tags the demo project's server.
        assert cloud.admin.request("PUT", f"/servers/{server}/tags/by-admin")[0] == 201
        assert _tags(cloud, server)[1] == {"tags": ["by-admin"]}
    finally:
        cloud.admin.delete(f"/servers/{sid}")
        cloud.wait_gone(cloud.admin, sid)


def _pages(cloud, query: str) -> list[str]:
    """Every server id of ``GET /servers?<query>``, one per page."""
    found: list[str] = []
    path = f"/servers?{query}&limit=1"
    for _ in range(10):
        code, body = cloud.demo.get(path)
        assert code == 200, body
        found += [s["id"] for s in body["servers"]]
        links = body.get("servers_links")
        if not links:
            return found
        marker = parse_qs(urlparse(links[0]["href"]).query)["marker"][0]
        path = f"/servers?{query}&limit=1&marker={marker}"
    raise AssertionError(f"more pages than servers: {found}")


def test_list_filters_across_cells_with_paging(cloud, fleet):
    a, b, c, d = fleet
    for sid, tags in ((a, ["web", "prod"]), (b, ["web"]), (c, ["db"]), (d, [])):
        assert cloud.demo.request("PUT", f"/servers/{sid}/tags", {"tags": tags})[0] == 200
    try:
        for query, wanted in (("tags=web", {a, b}), ("tags=web,prod", {a}),
                              ("tags-any=prod,db", {a, c}),
                              ("not-tags=web,prod", {b, c, d}),
                              ("not-tags-any=web", {c, d}),
                              ("tags=web&not-tags-any=prod", {b}),
                              ("tags=nothing", set())):
            found = _pages(cloud, query)
            assert len(found) == len(set(found)) and set(found) == wanted, query
            detail = cloud.demo.get(f"/servers/detail?{query}")[1]["servers"]
            assert {s["id"] for s in detail} == wanted, query
        # Before 2.26 the tag filters are ignored.
        old = cloud.demo.get("/servers?tags=web", version="2.25")[1]["servers"]
        assert {s["id"] for s in old} == {a, b, c, d}
        code, body = cloud.demo.get("/servers?tags=" + "x" * 61)
        assert code == 400 and "badRequest" in body
    finally:
        for sid in (a, b, c):
            cloud.demo.delete(f"/servers/{sid}/tags")


def test_openstack_cli(cloud):
    run = cloud.openstack

    server = run("server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                 "--nic", "none", "cli-1", "--wait", "-f", "json")
    sid = server["id"]
    try:
        run("server", "set", "--name", "cli-renamed", "--property", "color=blue",
            "--property", "size=xl", sid)
        shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
        assert shown["name"] == "cli-renamed"
        assert shown["metadata"] == {"color": "blue", "size": "xl"}
        run("server", "unset", "--property", "size", sid)
        assert cloud.admin.get(f"/servers/{sid}/metadata")[1] == {
            "metadata": {"color": "blue"}}
        run("--os-compute-api-version", "2.26", "server", "set", "--tag", "cli-web",
            "--tag", "cli-prod", sid)
        assert cloud.admin.get(f"/servers/{sid}/tags")[1] == {"tags": ["cli-prod", "cli-web"]}
        listed = run("--os-compute-api-version", "2.26", "server", "list", "--tags",
                     "cli-web", "-f", "json")
        assert [s["ID"] for s in listed] == [sid]
        assert run("--os-compute-api-version", "2.26", "server", "list", "--tags",
                   "cli-none", "-f", "json") == []
        run("--os-compute-api-version", "2.26", "server", "unset", "--tag", "cli-prod", sid)
        assert cloud.admin.get(f"/servers/{sid}/tags")[1] == {"tags": ["cli-web"]}
    finally:
        run("server", "delete", "--wait", sid)
