"""GET /os-migrations and /servers/{id}/migrations[/{id}] through real
HTTP on a two-cell embedded cloud, with migration records written through
the cells' repository (nothing moves servers yet), plus ``openstack server
migration list``."""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import urllib.parse

import pytest
import sqlalchemy as sa

from nubes.cells.cell_db.models import instances, migrations as migration_table
from nubes.cells.repo import migrations as repo
from tests.fixtures.cloud import ADMIN_PROJECT, DEMO_PROJECT, ServersCloud, server_body

pytestmark = pytest.mark.slow
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")
T0 = datetime.datetime(2024, 1, 1)
MISSING = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"
BASE = {"created_at", "dest_compute", "dest_host", "dest_node", "id", "instance_uuid",
        "new_instance_type_id", "old_instance_type_id", "source_compute", "source_node",
        "status", "updated_at"}


def _at(hours: float) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=hours)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("migrations") / "state"),
                         cells=2, hosts_per_cell=1)
    yield cloud
    cloud.stop()


def _cell_db(cloud, uuid):
    for name in ("cell1", "cell2"):
        db = cloud.embedded.databases.get(cloud.embedded.layout.cell_database(name))
        found = db.read(lambda conn: conn.execute(
            sa.select(instances.c.id).where(instances.c.uuid == uuid)).first())
        if found is not None:
            return db
    raise AssertionError(f"{uuid} is in no cell")


def _record(cloud, uuid, hours, updated=None, **values):
    base = {"instance_uuid": uuid, "source_compute": "h1", "dest_compute": "h2",
            "source_node": "n1", "dest_node": "n2", "dest_host": "10.0.0.2",
            "old_instance_type_id": 1, "new_instance_type_id": 2,
            "migration_type": "migration", "status": "done", "updated_at": updated}
    base.update(values)
    return _cell_db(cloud, uuid).write(lambda conn: repo.create(conn, base, _at(hours)))


@pytest.fixture(scope="module")
def moves(cloud):
    image, made = cloud.image_id(), {}
    for name, api in (("a", cloud.demo), ("b", cloud.admin)):
        code, body = api.post("/servers", server_body(image, name=name))
        assert code == 202, body
        made[name] = body["server"]["id"]
        cloud.wait_status(api, made[name], "ACTIVE")
    a, b = made["a"], made["b"]
    demo = {"user_id": "demo-user", "project_id": DEMO_PROJECT}
    m = {
        "resize": _record(cloud, a, 0, _at(0.5), migration_type="resize", status="finished",
                          **demo),
        "live": _record(cloud, a, 1, _at(1), migration_type="live-migration",
                        status="running", memory_total=100, memory_processed=40,
                        memory_remaining=60, disk_total=10, disk_processed=1,
                        disk_remaining=9, **demo),
        "cold": _record(cloud, b, 2, None, status="error", source_compute="h2",
                        dest_compute="h3", user_id="admin-user", project_id=ADMIN_PROJECT),
    }
    _record(cloud, b, 3, None, migration_type="evacuation", hidden=True)
    gone = _record(cloud, b, 4, None)
    _cell_db(cloud, b).write(lambda conn: conn.execute(
        sa.update(migration_table).where(migration_table.c.uuid == gone["uuid"])
        .values(deleted=gone["id"])))
    m["a"], m["b"] = a, b
    return m


def _list(cloud, query="", version="2.80"):
    code, body = cloud.admin.get("/os-migrations" + query, version=version)
    assert code == 200, body
    return body


def _uuids(body):
    return [m["uuid"] for m in body["migrations"]]


def test_fields_per_microversion(cloud, moves):
    old = _list(cloud, version="2.1")["migrations"]
    assert [m["id"] for m in old] == [moves[k]["id"] for k in ("cold", "live", "resize")]
    assert all(set(m) == BASE for m in old)
    resize = old[2]
    assert (resize["instance_uuid"], resize["status"], resize["source_compute"],
            resize["dest_host"], resize["old_instance_type_id"]) == (
        moves["a"], "finished", "h1", "10.0.0.2", 1)
    assert resize["created_at"] == "2024-01-01T00:00:00.000000"
    assert resize["updated_at"] == "2024-01-01T00:30:00.000000"
    assert old[0]["updated_at"] is None
    v23 = _list(cloud, version="2.23")["migrations"]
    assert [m["migration_type"] for m in v23] == ["migration", "live-migration", "resize"]
    assert [("links" in m) for m in v23] == [False, True, False]
    links = v23[1]["links"]
    assert links[0]["rel"] == "self" and links[0]["href"] == (
        f"{cloud.compute_url}/servers/{moves['a']}/migrations/{moves['live']['id']}")
    assert links[1]["rel"] == "bookmark" and "/v2.1/" not in links[1]["href"]
    assert all(set(m) == BASE | {"migration_type"} | ({"links"} if "links" in m else set())
               for m in v23)
    v59 = _list(cloud, version="2.59")["migrations"]
    assert "uuid" in v59[0] and "user_id" not in v59[0]
    v80 = _list(cloud)["migrations"]
    assert (v80[2]["user_id"], v80[2]["project_id"]) == ("demo-user", DEMO_PROJECT)


@pytest.mark.parametrize("query, expected", [
    ("?host=h1", ["live", "resize"]),
    ("?host=h2", ["cold", "live", "resize"]),
    ("?host=h3", ["cold"]),
    ("?source_compute=h2", ["cold"]),
    ("?status=running", ["live"]),
    ("?migration_type=resize", ["resize"]),
    ("?migration_type=evacuation", []),
    ("?instance_uuid={b}", ["cold"]),
    ("?changes-since=2024-01-01T00:30:00Z", ["cold", "live", "resize"]),
    ("?changes-since=2024-01-01T00:31:00", ["cold", "live"]),
    ("?changes-before=2024-01-01T01:00:00", ["live", "resize"]),
    ("?changes-since=2024-01-01T00:31:00&changes-before=2024-01-01T01:00:00", ["live"]),
    ("?user_id=demo-user", ["live", "resize"]),
    ("?project_id=" + ADMIN_PROJECT, ["cold"]),
    ("?hidden=1&unknown=x", ["cold", "live", "resize"]),
])
def test_filters(cloud, moves, query, expected):
    body = _list(cloud, query.format(b=moves["b"]))
    assert _uuids(body) == [moves[k]["uuid"] for k in expected]


def test_filters_outside_their_microversion_are_ignored(cloud, moves):
    assert len(_list(cloud, "?user_id=nobody", version="2.79")["migrations"]) == 3
    assert len(_list(cloud, "?changes-before=2000-01-01T00:00:00",
                     version="2.65")["migrations"]) == 3
    assert len(_list(cloud, "?changes-since=2999-01-01T00:00:00",
                     version="2.58")["migrations"]) == 3
    assert len(_list(cloud, "?limit=1", version="2.58")["migrations"]) == 3


def test_paging(cloud, moves):
    seen, pages, path = [], 0, "/os-migrations?limit=1"
    while path:
        code, body = cloud.admin.get(path, version="2.59")
        assert code == 200, body
        pages += 1
        seen += _uuids(body)
        links = body.get("migrations_links")
        path = links[0]["href"].split("/v2.1", 1)[1] if links else None
        if links:
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
            assert query == {"limit": "1", "marker": seen[-1]}
    assert seen == [moves[k]["uuid"] for k in ("cold", "live", "resize")] and pages == 4
    body = _list(cloud, f"?marker={moves['live']['uuid']}", version="2.59")
    assert _uuids(body) == [moves["resize"]["uuid"]] and "migrations_links" not in body


@pytest.mark.parametrize("query", [
    f"?marker={MISSING}", "?limit=-1", "?limit=x", "?changes-since=yesterday",
    "?changes-before=2024-13-01T00:00:00",
    "?changes-since=2024-01-02T00:00:00&changes-before=2024-01-01T00:00:00"])
def test_bad_queries(cloud, moves, query):
    code, body = cloud.admin.get("/os-migrations" + query, version="2.80")
    assert code == 400 and "badRequest" in body, body


def test_policy(cloud, moves):
    code, body = cloud.demo.get("/os-migrations")
    assert code == 403 and "forbidden" in body
    assert cloud.demo.get(f"/servers/{moves['a']}/migrations", version="2.23")[0] == 403


def test_server_migrations(cloud, moves):
    a, live = moves["a"], moves["live"]
    code, body = cloud.admin.get(f"/servers/{a}/migrations", version="2.80")
    assert code == 200, body
    [shown] = body["migrations"]
    assert (shown["id"], shown["server_uuid"], shown["status"], shown["uuid"],
            shown["user_id"]) == (live["id"], a, "running", live["uuid"], "demo-user")
    assert (shown["memory_total_bytes"], shown["memory_processed_bytes"],
            shown["memory_remaining_bytes"], shown["disk_total_bytes"]) == (100, 40, 60, 10)
    code, one = cloud.admin.get(f"/servers/{a}/migrations/{live['id']}", version="2.80")
    assert code == 200 and one["migration"] == shown
    code, old = cloud.admin.get(f"/servers/{a}/migrations", version="2.23")
    assert "uuid" not in old["migrations"][0] and "user_id" not in old["migrations"][0]
    assert cloud.admin.get(f"/servers/{moves['b']}/migrations", version="2.23") == \
        (200, {"migrations": []})
    for path in (f"/servers/{a}/migrations/{moves['resize']['id']}",
                 f"/servers/{a}/migrations/999999", f"/servers/{a}/migrations/x",
                 f"/servers/{MISSING}/migrations", f"/servers/{MISSING}/migrations/1"):
        code, body = cloud.admin.get(path, version="2.23")
        assert code == 404 and "itemNotFound" in body, path
    assert cloud.admin.get(f"/servers/{a}/migrations", version="2.22")[0] == 404
    assert cloud.admin.get(f"/servers/{a}/migrations/{live['id']}",
                           version="2.22")[0] == 404


def _flavor_json(flavorid, vcpus, memory_mb, root_gb):
    sizes = {"vcpus": vcpus, "memory_mb": memory_mb, "root_gb": root_gb, "ephemeral_gb": 0}
    return json.dumps({**sizes, "flavor": json.dumps({**sizes, "flavorid": flavorid,
                                                       "swap": 0, "extra_specs": {}})})


def test_flavor_ids_from_the_flavors_a_record_names(cloud, moves):
    """A record written without ``old_instance_type_id``/``new_instance_type_id``
    shows the row ids of the flavors its old/new flavor names (as OpenStack
    compute does; the CLI prints them as Old/New Flavor), or null when that
    flavor is gone or was re-made with other sizes."""
    from nubes.cells.api_db.models import flavors
    ids = dict(cloud.api_db.read(lambda conn: list(conn.execute(
        sa.select(flavors.c.flavorid, flavors.c.id).where(flavors.c.flavorid.in_(
            ["1", "2"]))))))
    b = moves["b"]
    tiny, small = _flavor_json("1", 1, 512, 1), _flavor_json("2", 1, 2048, 20)
    made = [_record(cloud, b, 10, None, migration_type="resize", old_instance_type_id=None,
                    new_instance_type_id=None, old_flavor=tiny, new_flavor=small),
            _record(cloud, b, 11, None, migration_type="resize", old_instance_type_id=None,
                    new_instance_type_id=None, old_flavor=_flavor_json("2", 9, 9, 9),
                    new_flavor=_flavor_json("gone", 1, 512, 1))]
    try:
        body = _list(cloud, f"?instance_uuid={b}&migration_type=resize")
        shown = {m["uuid"]: (m["old_instance_type_id"], m["new_instance_type_id"])
                 for m in body["migrations"]}
        assert shown == {made[0]["uuid"]: (ids["1"], ids["2"]),
                         made[1]["uuid"]: (None, None)}
        # Ids that were written are shown as they are.
        assert _list(cloud, f"?instance_uuid={moves['a']}&migration_type=resize")[
            "migrations"][0]["old_instance_type_id"] == 1
    finally:
        _cell_db(cloud, b).write(lambda conn: conn.execute(
            sa.update(migration_table).where(migration_table.c.uuid.in_(
                [m["uuid"] for m in made])).values(deleted=migration_table.c.id)))


def test_openstack_server_migration_list(cloud, moves):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = cloud.clouds_yaml

    def run(*args):
        out = subprocess.run([OPENSTACK, "--os-cloud", "nubes", *args, "-f", "json"],
                             env=env, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, (args, out.stderr)
        return json.loads(out.stdout)

    rows = run("server", "migration", "list")
    assert [r["UUID"] for r in rows] == [moves[k]["uuid"] for k in ("cold", "live", "resize")]
    rows = run("--os-compute-api-version", "2.59", "server", "migration", "list",
               "--status", "running")
    assert [r["Id"] for r in rows] == [moves["live"]["id"]]
    rows = run("--os-compute-api-version", "2.59", "server", "migration", "list",
               "--limit", "1", "--marker", moves["cold"]["uuid"])
    assert [r["UUID"] for r in rows] == [moves["live"]["uuid"]]
