"""GET /servers, /servers/detail and /servers/{id} over real HTTP across
cell0, cell1 and cell2 (and a dead cell), with instances, build requests,
faults, tags, request specs and instance mappings seeded with SQL."""
from __future__ import annotations

import datetime
import json
import socket
import time
import uuid as uuidlib

import pytest
import sqlalchemy as sa

from nubes.api.compute.service import servers as servers_service
from nubes.cells.api_db import models as api_models
from nubes.cells.cell_db import models as cell_models
from nubes.cells.repo import build_requests, cell_mappings

BASE = datetime.datetime(2024, 3, 1, 12, 0, 0)
FLAVORS = {"small": {"flavorid": "f-small", "name": "small", "vcpus": 1, "memory_mb": 512,
                     "root_gb": 1, "ephemeral_gb": 0, "swap": 0,
                     "extra_specs": {"hw:cpu_policy": "shared"}},
           "big": {"flavorid": "f-big", "name": "big", "vcpus": 4, "memory_mb": 4096,
                   "root_gb": 40, "ephemeral_gb": 0, "swap": 0, "extra_specs": {}}}
IMAGE = "11111111-2222-4333-8444-555555555555"


class Seeder:
    """Rows as the super-conductor and computes would write them."""

    def __init__(self, deployment):
        self.d = deployment
        self.n = 0
        self.expected: dict[str, dict] = {}   # uuid -> what listing sorts on

    def _uuid(self) -> str:
        self.n += 1
        return str(uuidlib.UUID(int=uuidlib.uuid4().int))

    def instance(self, cell: str, *, name: str = "vm", minutes: int, project: str = "p1",
                 vm_state: str = "active", task_state: str | None = None,
                 host: str | None = "h1", flavor: str = "small", image: str | None = IMAGE,
                 deleted: bool = False, tags: tuple[str, ...] = (),
                 fault: tuple[int, str] | None = None, updated_minutes: int | None = None,
                 az: str | None = None, locked: bool = False, uuid: str | None = None,
                 mapped: bool = True) -> str:
        uuid = uuid or self._uuid()
        created = BASE + datetime.timedelta(minutes=minutes)
        inst = cell_models.instances

        def work(conn):
            new_id = conn.execute(sa.insert(inst).values(
                uuid=uuid, project_id=project, user_id="u1", display_name=name,
                display_description=f"about {name}", hostname=name, vm_state=vm_state,
                task_state=task_state, power_state=1 if vm_state == "active" else 0,
                host=host, node=host, flavor=json.dumps(FLAVORS[flavor]),
                memory_mb=FLAVORS[flavor]["memory_mb"], vcpus=FLAVORS[flavor]["vcpus"],
                image_ref=image, availability_zone=az, locked=locked,
                locked_reason="testing" if locked else None, created_at=created,
                updated_at=(None if updated_minutes is None
                            else BASE + datetime.timedelta(minutes=updated_minutes)),
            )).inserted_primary_key[0]
            if deleted:
                conn.execute(sa.update(inst).where(inst.c.id == new_id).values(
                    deleted=new_id, deleted_at=created, vm_state="deleted"))
            for tag in tags:
                conn.execute(sa.insert(cell_models.tags).values(resource_id=uuid, tag=tag))
            if fault:
                conn.execute(sa.insert(cell_models.instance_faults).values(
                    instance_uuid=uuid, code=fault[0], message=fault[1],
                    details="Traceback: boom", created_at=created))
        self.d.cell_dbs[cell].write(work)
        if mapped:
            self.mapping(uuid, project, cell)
        self.spec(uuid, az=az)
        self.expected[uuid] = {"uuid": uuid, "created_at": created, "name": name,
                               "host": host, "cell": cell, "project": project,
                               "deleted": deleted}
        return uuid

    def mapping(self, uuid: str, project: str, cell: str | None) -> None:
        cell_id = None if cell is None else self.d.cells[cell].id
        self.d.api_db.write(lambda conn: conn.execute(sa.insert(
            api_models.instance_mappings).values(
                instance_uuid=uuid, cell_id=cell_id, project_id=project, user_id="u1",
                created_at=BASE)))

    def spec(self, uuid: str, *, az: str | None = None, flavor: str = "small") -> None:
        spec = {"flavor": FLAVORS[flavor], "project_id": "p1", "user_id": "u1",
                "availability_zone": az, "image": {"id": IMAGE}}
        self.d.api_db.write(lambda conn: conn.execute(sa.insert(
            api_models.request_specs).values(instance_uuid=uuid, spec=json.dumps(spec),
                                             created_at=BASE)))

    def build_request(self, *, name: str = "new", minutes: int, project: str = "p1",
                      flavor: str = "small") -> str:
        uuid = self._uuid()
        created = BASE + datetime.timedelta(minutes=minutes)
        instance = {"uuid": uuid, "display_name": name, "project_id": project,
                    "user_id": "u1", "vm_state": "building", "task_state": "scheduling",
                    "power_state": 0, "flavor": json.dumps(FLAVORS[flavor]),
                    "image_ref": IMAGE, "created_at": created, "locked": False}
        self.d.api_db.write(lambda conn: conn.execute(sa.insert(
            api_models.build_requests).values(
                instance_uuid=uuid, project_id=project,
                instance=build_requests.encode_instance(instance),
                tags=json.dumps(["fresh"]), created_at=created)))
        self.mapping(uuid, project, None)
        self.spec(uuid, az="az9")
        self.expected[uuid] = {"uuid": uuid, "created_at": created, "name": name,
                               "host": None, "cell": None, "project": project,
                               "deleted": False}
        return uuid


@pytest.fixture
def seed(cloud) -> Seeder:
    return Seeder(cloud.deployment)


@pytest.fixture
def fleet(seed):
    """Twelve instances over cell0/cell1/cell2 (two projects, two hosts,
    names with repeats and gaps), two build requests, one deleted."""
    s = seed
    s.instance("cell1", name="web-1", minutes=1, host="h1")
    s.instance("cell2", name="web-2", minutes=2, host="h2", flavor="big", tags=("web", "prod"))
    s.instance("cell1", name="db-1", minutes=3, host=None, vm_state="stopped")
    s.instance("cell2", name="db-2", minutes=3, host="h2")          # same created_at
    s.instance("cell0", name="lost", minutes=4, host=None, vm_state="error",
               fault=(500, "No valid host was found."))
    s.instance("cell1", name="web-3", minutes=5, host="h1", tags=("web",), locked=True,
               updated_minutes=50)
    s.instance("cell2", name="batch", minutes=6, host="h2", project="p2")
    s.instance("cell1", name="batch", minutes=7, host="h1", project="p2")
    s.instance("cell2", name="web-4", minutes=8, host="h2", image=None, az="az1",
               updated_minutes=40)
    s.instance("cell1", name="gone", minutes=9, host="h1", deleted=True)
    s.instance("cell2", name="zeta", minutes=10, host=None, vm_state="active",
               task_state="rebooting")
    s.instance("cell1", name="alpha", minutes=11, host="h1")
    s.build_request(name="new-1", minutes=12)
    s.build_request(name="new-2", minutes=13, project="p2")
    return s


def ids(resp) -> list[str]:
    assert resp.status == 200, resp
    return [s["id"] for s in resp.json["servers"]]


def _live(seed, project=None):
    return [e for e in seed.expected.values() if not e["deleted"]
            and (project is None or e["project"] == project)]


def _python_order(records, key, direction):
    """Expected order: build requests first (by created_at desc), then
    cell instances by (key, direction) with NULLs smallest, then uuid asc."""
    builds = sorted((r for r in records if r["cell"] is None),
                    key=lambda r: r["created_at"], reverse=True)
    rest = [r for r in records if r["cell"] is not None]
    rest.sort(key=lambda r: r["uuid"])
    rest.sort(key=lambda r: (r[key] is not None, r[key] or ""), reverse=direction == "desc")
    if builds and key != "created_at":
        builds = sorted(builds, key=lambda r: r["uuid"])
        builds.sort(key=lambda r: (r[key] is not None, r[key] or ""),
                    reverse=direction == "desc")
    return [r["uuid"] for r in builds + rest]


# --- one merged, sorted list ---------------------------------------------------------

def test_default_order_merges_every_cell_build_requests_first(cloud, fleet):
    got = ids(cloud.api.get("/servers", params={"all_tenants": "1"}))
    expected = _python_order(_live(fleet), "created_at", "desc")
    # created_at ties break on id desc (per cell) then uuid: compare as sets there.
    assert got[:2] == expected[:2]                    # build requests, newest first
    assert len(got) == len(expected) == 13
    assert set(got) == set(expected)
    created = [fleet.expected[u]["created_at"] for u in got[2:]]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("key,api_key,direction", [
    ("name", "display_name", "asc"), ("name", "display_name", "desc"),
    ("host", "host", "asc"), ("host", "host", "desc"), ("uuid", "uuid", "asc"),
])
def test_sort_keys_and_directions(cloud, fleet, key, api_key, direction):
    resp = cloud.api.get("/servers", params={"all_tenants": "1", "sort_key": api_key,
                                             "sort_dir": direction})
    assert ids(resp) == _python_order(_live(fleet), key, direction)


@pytest.mark.parametrize("params", [
    {},
    {"sort_key": "display_name", "sort_dir": "asc"},
    {"sort_key": ["host", "display_name"], "sort_dir": ["desc", "asc"]},
    {"sort_key": "created_at", "sort_dir": "asc"},
])
def test_paging_with_markers_walks_every_server_once(cloud, fleet, params):
    everything = ids(cloud.api.get("/servers/detail", params={"all_tenants": "1", **params}))
    walked, marker, cells_seen = [], None, set()
    for _ in range(20):
        query = {"all_tenants": "1", "limit": "3", **params}
        if marker:
            query["marker"] = marker
        resp = cloud.api.get("/servers/detail", params=query)
        page = ids(resp)
        if not page:
            break
        walked += page
        marker = page[-1]
        cells_seen.add(fleet.expected[marker]["cell"])
        if "servers_links" not in resp.json:
            break
        assert f"marker={marker}" in resp.json["servers_links"][0]["href"]
    assert walked == everything and len(set(walked)) == 13
    assert {"cell0", "cell1", "cell2", None} & cells_seen >= {"cell1", "cell2"}


def test_marker_from_cell0_and_from_a_deleted_instance(cloud, fleet):
    everything = ids(cloud.api.get("/servers", params={"all_tenants": "1"}))
    lost = next(u for u, e in fleet.expected.items() if e["name"] == "lost")
    after = ids(cloud.api.get("/servers", params={"all_tenants": "1", "marker": lost}))
    assert after == everything[everything.index(lost) + 1:]
    gone = next(u for u, e in fleet.expected.items() if e["name"] == "gone")
    after = ids(cloud.api.get("/servers", params={"all_tenants": "1", "marker": gone}))
    gone_at = fleet.expected[gone]["created_at"]
    assert after == [u for u in everything if fleet.expected[u]["created_at"] < gone_at]


def test_unknown_marker_is_400(cloud, fleet):
    resp = cloud.api.get("/servers", params={"marker": "no-such-server"})
    assert resp.status == 400, resp
    assert resp.fault[0] == "badRequest"
    assert "marker [no-such-server] not found" in resp.message


def test_limit_is_capped_by_max_limit_and_links_keep_the_query(cloud, fleet):
    cloud.state.conf.set_override("max_limit", 4, group="api")
    try:
        resp = cloud.api.get("/servers", params={"all_tenants": "1", "limit": "100",
                                                 "sort_key": "display_name"})
    finally:
        cloud.state.conf.clear_override("max_limit", group="api")
    assert len(ids(resp)) == 4
    href = resp.json["servers_links"][0]["href"]
    assert href.startswith(cloud.url + "/v2.1/servers?")
    assert "sort_key=display_name" in href and "all_tenants=1" in href


@pytest.mark.parametrize("path", ["/servers", "/servers/detail"])
def test_limit_zero_is_an_empty_page_without_links(cloud, fleet, path):
    resp = cloud.api.get(path, params={"all_tenants": "1", "limit": "0"})
    assert resp.status == 200, resp
    assert resp.json == {"servers": []}


def test_limit_zero_still_validates_the_query(cloud, fleet):
    resp = cloud.api.get("/servers", params={"limit": "0", "marker": "no-such-server"})
    assert resp.status == 400, resp
    assert resp.fault[0] == "badRequest"


# --- filters ---------------------------------------------------------------------------------

P1_LIVE = ["alpha", "db-1", "db-2", "lost", "new-1", "web-1", "web-2", "web-3", "web-4", "zeta"]


def _names(resp) -> list[str]:
    assert resp.status == 200, resp
    return sorted(s["name"] for s in resp.json["servers"])


@pytest.mark.parametrize("params,names", [
    ({"name": "^web"}, ["web-1", "web-2", "web-3", "web-4"]),
    ({"name": "db-?1$"}, ["db-1"]),
    ({"status": "ACTIVE"}, ["alpha", "db-2", "web-1", "web-2", "web-3", "web-4", "zeta"]),
    ({"status": "active"}, ["alpha", "db-2", "web-1", "web-2", "web-3", "web-4", "zeta"]),
    ({"status": "SHUTOFF"}, ["db-1"]),
    ({"status": "ERROR"}, ["lost"]),
    ({"status": "BUILD"}, ["new-1"]),
    ({"status": "REBOOT"}, ["zeta"]),
    ({"status": ["SHUTOFF", "ERROR"]}, ["db-1", "lost"]),
    ({"flavor": "f-big"}, ["web-2"]),
    ({"flavor": "f-small", "name": "^w"}, ["web-1", "web-3", "web-4"]),
    ({"image": IMAGE, "name": "web"}, ["web-1", "web-2", "web-3"]),
    ({"changes-since": "2024-03-01T12:30:00Z"}, ["web-3", "web-4"]),
    ({"host": "h1"}, P1_LIVE),       # admin-only: ignored for a member
    ({"bogus": "1"}, P1_LIVE),
])
def test_member_filters(cloud, fleet, params, names):
    member = cloud.api.as_user(project="p1")
    assert _names(member.get("/servers/detail", params=params)) == names


def test_filters_by_microversion(cloud, fleet):
    member = cloud.api.as_user(project="p1")
    assert _names(member.get("/servers", params={"tags": "web"})) == ["web-2", "web-3"]
    assert _names(member.get("/servers", params={"tags": "web,prod"})) == ["web-2"]
    assert _names(member.get("/servers", params={"tags-any": "prod,fresh"})) == \
        ["new-1", "web-2"]
    assert _names(member.get("/servers", params={"not-tags": "web,prod"})) == \
        [n for n in P1_LIVE if n != "web-2"]
    assert "web-3" not in _names(member.get("/servers", params={"not-tags-any": "web"}))
    assert _names(member.get("/servers", params={"tags": "fresh"})) == ["new-1"]
    assert len(_names(member.get("/servers", params={"tags": "web"}, version="2.25"))) == 10
    assert _names(member.get("/servers", params={"locked": "true"})) == ["web-3"]
    before = {"changes-before": "2024-03-01T12:04:30Z"}
    assert _names(member.get("/servers", params=before)) == \
        ["db-1", "db-2", "lost", "web-1", "web-2"]
    assert len(_names(member.get("/servers", params=before, version="2.65"))) == 10
    uuid = next(u for u, e in fleet.expected.items() if e["name"] == "zeta")
    assert _names(member.get("/servers", params={"uuid": uuid})) == ["zeta"]


def test_admin_filters(cloud, fleet):
    api = cloud.api
    assert _names(api.get("/servers", params={"all_tenants": "1", "host": "h2"})) == \
        ["batch", "db-2", "web-2", "web-4"]
    assert _names(api.get("/servers", params={"all_tenants": "1", "project_id": "p2"})) == \
        ["batch", "batch", "new-2"]
    assert _names(api.get("/servers", params={"all_tenants": "", "tenant_id": "p2",
                                              "name": "new"})) == ["new-2"]
    # Without all_tenants the admin sees their own project only.
    assert _names(api.get("/servers", params={"project_id": "p2"})) == []
    assert _names(api.get("/servers", params={"all_tenants": "1", "deleted": "true"})) == \
        ["gone"]
    assert "gone" in _names(api.get("/servers", params={
        "all_tenants": "1", "changes-since": "2024-03-01T12:00:00Z"}))


def test_deleted_filter_includes_soft_deleted(cloud, seed):
    """As in OpenStack compute, ``deleted=true`` lists soft-deleted servers
    with the deleted ones unless ``soft_deleted=false``; the default list
    shows neither, ``soft_deleted=true`` adds the soft-deleted ones."""
    seed.instance("cell1", name="live", minutes=1)
    seed.instance("cell2", name="soft", minutes=2, vm_state="soft-delete")
    seed.instance("cell1", name="gone", minutes=3, deleted=True)
    api = cloud.api

    def names(**params):
        return sorted(_names(api.get("/servers", params={"all_tenants": "1", **params})))

    assert names(deleted="true") == ["gone", "soft"]
    assert names(deleted="true", soft_deleted="false") == ["gone"]
    assert names() == ["live"]
    assert names(soft_deleted="true") == ["live", "soft"]


def test_member_sees_only_their_project_and_may_not_list_all(cloud, fleet):
    p2 = cloud.api.as_user(user="u2", project="p2")
    assert _names(p2.get("/servers")) == ["batch", "batch", "new-2"]
    resp = p2.get("/servers", params={"all_tenants": "1"})
    assert resp.status == 403 and resp.fault[0] == "forbidden"
    p1_server = next(u for u, e in fleet.expected.items() if e["name"] == "alpha")
    assert p2.get(f"/servers/{p1_server}").status == 404
    assert cloud.api.as_user(project="p1").get(f"/servers/{p1_server}").status == 200
    assert cloud.api.as_user(project="p1", roles="").get("/servers").status == 403
    # A marker from another project is not found.
    resp = p2.get("/servers", params={"marker": p1_server})
    assert resp.status == 400 and "not found" in resp.message


@pytest.mark.parametrize("params,version", [
    ({"limit": "-1"}, "2.96"), ({"limit": "many"}, "2.96"),
    ({"sort_key": "bogus"}, "2.96"), ({"sort_dir": "sideways"}, "2.96"),
    ({"sort_key": "display_name", "sort_dir": ["asc", "desc"]}, "2.96"),
    ({"changes-since": "yesterday"}, "2.96"), ({"changes-before": "2024-13-01"}, "2.96"),
    ({"changes-since": "2024-03-02T00:00:00", "changes-before": "2024-03-01T00:00:00"},
     "2.96"),
    ({"status": "SLEEPY"}, "2.38"), ({"name": "("}, "2.96"), ({"locked": "maybe"}, "2.73"),
    ({"all_tenants": "perhaps"}, "2.96"),
])
def test_bad_query_values_are_400(cloud, fleet, params, version):
    resp = cloud.api.get("/servers/detail", params=params, version=version)
    assert resp.status == 400, resp
    assert resp.fault[0] == "badRequest"


def test_unknown_status_before_2_38_lists_nothing_and_ignored_sort_keys(cloud, fleet):
    assert ids(cloud.api.get("/servers", params={"status": "SLEEPY"}, version="2.37")) == []
    resp = cloud.api.get("/servers", params={"sort_key": "vcpus"})   # accepted, dropped
    assert resp.status == 200, resp


# --- views ---------------------------------------------------------------------------------

def _server(resp, uuid):
    assert resp.status == 200, resp
    return next(s for s in resp.json["servers"] if s["id"] == uuid)


def test_build_request_cell0_and_cell_views(cloud, fleet):
    by_name = {e["name"]: u for u, e in fleet.expected.items()}
    detail = cloud.api.get("/servers/detail", params={"all_tenants": "1"})
    new = _server(detail, by_name["new-1"])
    assert (new["status"], new["OS-EXT-STS:task_state"], new["OS-EXT-STS:vm_state"]) == \
        ("BUILD", "scheduling", "building")
    assert new["tags"] == ["fresh"] and new["hostId"] == "" and new["progress"] == 0
    lost = _server(detail, by_name["lost"])
    assert lost["status"] == "ERROR"
    assert lost["fault"]["code"] == 500 and lost["fault"]["message"].startswith("No valid")
    assert lost["fault"]["details"] == "Traceback: boom"            # admin sees details
    web2 = _server(detail, by_name["web-2"])
    assert web2["flavor"]["original_name"] == "big" and web2["flavor"]["vcpus"] == 4
    assert web2["tags"] == ["prod", "web"] and web2["OS-EXT-SRV-ATTR:host"] == "h2"
    assert web2["host_status"] == "UNKNOWN"     # no nova-compute service row for h2
    assert web2["image"]["id"] == IMAGE and web2["links"][0]["rel"] == "self"
    assert _server(detail, by_name["web-4"])["image"] == ""
    assert _server(detail, by_name["web-4"])["pinned_availability_zone"] == "az1"
    assert _server(detail, by_name["zeta"])["status"] == "REBOOT"
    # A member: no extended attributes, no host status, no 500 fault details.
    member = cloud.api.as_user(project="p1").get("/servers/detail")
    lost = _server(member, by_name["lost"])
    assert "details" not in lost["fault"] and "OS-EXT-SRV-ATTR:host" not in lost
    assert "host_status" not in lost and lost["OS-EXT-SRV-ATTR:hostname"] == "lost"
    assert lost["flavor"]["extra_specs"] == {"hw:cpu_policy": "shared"}


def test_fields_follow_the_microversion(cloud, fleet):
    uuid = next(u for u, e in fleet.expected.items() if e["name"] == "web-3")
    old = cloud.api.get(f"/servers/{uuid}", version="2.1").json["server"]
    assert old["flavor"] == {"id": "f-small", "links": [
        {"rel": "bookmark", "href": f"{cloud.url}/flavors/f-small"}]}
    for key in ("locked", "host_status", "description", "tags", "locked_reason",
                "pinned_availability_zone", "OS-EXT-SRV-ATTR:reservation_id"):
        assert key not in old
    assert old["OS-EXT-SRV-ATTR:host"] == "h1"
    new = cloud.api.get(f"/servers/{uuid}", version="2.96").json["server"]
    assert new["locked"] is True and new["locked_reason"] == "testing"
    assert new["description"] == "about web-3" and new["tags"] == ["web"]
    assert new["server_groups"] == [] and new["pinned_availability_zone"] is None
    assert new["OS-EXT-SRV-ATTR:hostname"] == "web-3"
    mid = cloud.api.get(f"/servers/{uuid}", version="2.72").json["server"]
    assert "locked_reason" not in mid and mid["locked"] is True
    summary = cloud.api.get("/servers", params={"all_tenants": "1"}).json["servers"][0]
    assert set(summary) == {"id", "name", "links"}


def test_host_status_from_the_compute_service(cloud, fleet):
    cloud.deployment.add_compute_host("cell1", "h1", disabled=True)
    uuid = next(u for u, e in fleet.expected.items() if e["name"] == "web-1")
    assert cloud.api.get(f"/servers/{uuid}").json["server"]["host_status"] == "MAINTENANCE"
    nohost = next(u for u, e in fleet.expected.items() if e["name"] == "db-1")
    assert cloud.api.get(f"/servers/{nohost}").json["server"]["host_status"] == ""


def test_show_of_build_request_deleted_and_unknown(cloud, fleet):
    by_name = {e["name"]: u for u, e in fleet.expected.items()}
    resp = cloud.api.get(f"/servers/{by_name['new-1']}")
    assert resp.json["server"]["status"] == "BUILD", resp
    assert cloud.api.get(f"/servers/{by_name['gone']}").status == 404
    resp = cloud.api.get(f"/servers/{uuidlib.uuid4()}")
    assert resp.status == 404 and resp.fault[0] == "itemNotFound"


# --- a cell that does not answer -------------------------------------------------------------

@pytest.fixture
def dead_cell(cloud, fleet):
    cell = cloud.deployment.add_dead_cell()
    cloud.refresh_cells()
    cloud.deployment.cells["dead"] = cell
    uuid = str(uuidlib.uuid4())
    fleet.mapping(uuid, "p1", "dead")
    fleet.spec(uuid, az="az-dead")
    yield uuid
    cloud.deployment.cells.pop("dead", None)


def test_down_cell_does_not_fail_the_list(cloud, fleet, dead_cell, monkeypatch):
    monkeypatch.setattr(servers_service, "CELL_TIMEOUT", 5.0)
    started = time.monotonic()
    resp = cloud.api.get("/servers/detail", params={"all_tenants": "1", "sort_key": "uuid"})
    assert time.monotonic() - started < 5.0
    assert sorted(ids(resp)) == sorted(u for u, e in fleet.expected.items() if not e["deleted"])
    # 2.69+ without filters or paging: the dead cell's servers, minimal, first.
    resp = cloud.api.get("/servers/detail", params={"all_tenants": "1"})
    assert ids(resp)[0] == dead_cell and len(ids(resp)) == 14
    assert resp.json["servers"][0] == {
        "id": dead_cell, "status": "UNKNOWN", "tenant_id": "p1",
        "created": "2024-03-01T12:00:00Z", "links": resp.json["servers"][0]["links"]}
    every = {"all_tenants": "1"}
    summary = cloud.api.get("/servers", params=every).json["servers"][0]
    assert summary == {"id": dead_cell, "status": "UNKNOWN", "links": summary["links"]}
    member = cloud.api.as_user(project="p1")
    assert ids(member.get("/servers"))[0] == dead_cell
    assert dead_cell not in ids(cloud.api.as_user(project="p2").get("/servers"))
    assert dead_cell not in ids(cloud.api.get("/servers", params=every, version="2.68"))
    assert dead_cell not in ids(cloud.api.get("/servers", params={**every, "name": "."}))
    assert dead_cell not in ids(cloud.api.get("/servers", params={**every, "limit": "50"}))


def test_show_in_a_down_cell(cloud, fleet, dead_cell):
    resp = cloud.api.get(f"/servers/{dead_cell}")
    assert resp.status == 200, resp
    server = resp.json["server"]
    assert server["status"] == "UNKNOWN" and server["OS-EXT-AZ:availability_zone"] == "az-dead"
    assert server["flavor"]["original_name"] == "small" and server["image"]["id"] == IMAGE
    assert server["OS-EXT-STS:power_state"] == 0 and server["user_id"] == "u1"
    resp = cloud.api.get(f"/servers/{dead_cell}", version="2.68")
    assert resp.status == 503 and resp.fault[0] == "serviceUnavailable"
    resp = cloud.api.get("/servers", params={"marker": dead_cell})
    assert resp.status == 503


def test_slow_cell_is_skipped_after_the_timeout(cloud, fleet, monkeypatch):
    """A cell database that accepts connections but never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    try:
        cloud.deployment.api_db.write(lambda conn: cell_mappings.create(
            conn, uuid=str(uuidlib.uuid4()), name="slow", transport_url="rabbit://x/slow",
            database_connection=f"mysql+pymysql://nubes@127.0.0.1:{port}/slow"))
        cloud.refresh_cells()
        monkeypatch.setattr(servers_service, "CELL_TIMEOUT", 1.0)
        started = time.monotonic()
        resp = cloud.api.get("/servers", params={"all_tenants": "1", "limit": "100"})
        elapsed = time.monotonic() - started
        assert 1.0 <= elapsed < 5.0
        assert sorted(ids(resp)) == sorted(u for u, e in fleet.expected.items()
                                           if not e["deleted"])
    finally:
        listener.close()
