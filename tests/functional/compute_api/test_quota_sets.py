"""/os-quota-sets through real HTTP on a whole embedded cloud: show,
detail, defaults, update (force, per user), revert; fields by
microversion; bad values; policies; and a boot refused once the quota
is set below what the project would hold."""
from __future__ import annotations


import pytest

from tests.fixtures.cloud import DEMO_PROJECT, ServersCloud, server_body

pytestmark = pytest.mark.slow
DEMO_USER = "demo-user"
OTHER = "some-other-project"
LATEST = {"cores": 20, "instances": 10, "key_pairs": 100, "metadata_items": 128,
          "ram": 51200, "server_groups": 10, "server_group_members": 10}
INJECTED = {"injected_files": 5, "injected_file_content_bytes": 10240,
            "injected_file_path_bytes": 255}
NETWORK = {"fixed_ips": -1, "floating_ips": -1, "security_groups": -1,
           "security_group_rules": -1}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("quota") / "state"),
                         cells=2, hosts_per_cell=1)
    yield cloud
    cloud.stop()


@pytest.fixture(autouse=True)
def _defaults_again(cloud):
    yield
    for project in (DEMO_PROJECT, OTHER):
        assert cloud.admin.delete(f"/os-quota-sets/{project}")[0] == 202


def _put(api, path, body, version=None):
    return api.request("PUT", path, body, version=version)


def _quota(api, project=DEMO_PROJECT, suffix="", version=None, **query):
    path = f"/os-quota-sets/{project}{suffix}"
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    code, body = api.get(path, version=version)
    assert code == 200, body
    return body["quota_set"]


def test_show_and_defaults_by_microversion(cloud):
    assert _quota(cloud.demo) == dict(LATEST, id=DEMO_PROJECT)
    assert _quota(cloud.demo, version="2.56") == dict(LATEST, **INJECTED, id=DEMO_PROJECT)
    assert _quota(cloud.demo, version="2.35") == dict(LATEST, **INJECTED, **NETWORK,
                                                      id=DEMO_PROJECT)
    assert _quota(cloud.demo, version="2.36") == dict(LATEST, **INJECTED, id=DEMO_PROJECT)
    # Defaults of any project, for anyone.
    assert _quota(cloud.demo, OTHER, "/defaults") == dict(LATEST, id=OTHER)
    assert _quota(cloud.demo, OTHER, "/defaults", version="2.1") == dict(
        LATEST, **INJECTED, **NETWORK, id=OTHER)


def test_update_shows_everywhere_and_revert(cloud):
    code, body = _put(cloud.admin, f"/os-quota-sets/{DEMO_PROJECT}",
                      {"quota_set": {"instances": 5, "cores": "8", "ram": -1}})
    assert code == 200, body
    assert body == {"quota_set": dict(LATEST, instances=5, cores=8, ram=-1)}
    assert _quota(cloud.demo)["instances"] == 5
    absolute = cloud.demo.get("/limits")[1]["limits"]["absolute"]
    assert (absolute["maxTotalInstances"], absolute["maxTotalCores"],
            absolute["maxTotalRAMSize"]) == (5, 8, -1)
    # Defaults are not the project's limits.
    assert _quota(cloud.demo, DEMO_PROJECT, "/defaults")["instances"] == 10
    code, body = cloud.admin.delete(f"/os-quota-sets/{DEMO_PROJECT}")
    assert (code, body) == (202, None)
    assert _quota(cloud.demo) == dict(LATEST, id=DEMO_PROJECT)
    # Below 2.36 the network quotas are taken and ignored; so are injected
    # files below 2.57 stored and shown.
    code, body = _put(cloud.admin, f"/os-quota-sets/{OTHER}",
                      {"quota_set": {"floating_ips": 3, "networks": 2, "injected_files": 2,
                                     "force": "True"}}, version="2.35")
    assert code == 200, body
    assert body["quota_set"]["floating_ips"] == -1
    assert body["quota_set"]["injected_files"] == 2
    assert "id" not in body["quota_set"]


@pytest.mark.parametrize("field, value", [
    ("instances", -2), ("instances", 2**31), ("instances", "abc"), ("instances", 1.5),
    ("instances", True), ("instances", None), ("instances", "1" * 12), ("bogus", 1),
    ("floating_ips", 1), ("injected_files", 1), ("force", "maybe"), ("id", "x")])
def test_bad_values_are_400(cloud, field, value):
    code, body = _put(cloud.admin, f"/os-quota-sets/{DEMO_PROJECT}",
                      {"quota_set": {field: value}})
    assert code == 400 and "badRequest" in body, (field, value, body)
    assert _quota(cloud.admin) == dict(LATEST, id=DEMO_PROJECT)


def test_bad_bodies_and_ids_are_400(cloud):
    url = f"/os-quota-sets/{DEMO_PROJECT}"
    for body in ({}, {"quota_set": 3}, {"quota_sets": {}}, [], "x"):
        code, answer = _put(cloud.admin, url, body)
        assert code == 400 and "badRequest" in answer, body
    code, answer = cloud.admin.get("/os-quota-sets/" + "p" * 256)
    assert code == 400 and "badRequest" in answer
    code, answer = cloud.admin.get(f"{url}?user_id=" + "u" * 256)
    assert code == 400 and "badRequest" in answer
    # A field of a newer or older microversion only.
    code, _ = _put(cloud.admin, url, {"quota_set": {"injected_files": 3}}, version="2.57")
    assert code == 400
    code, _ = _put(cloud.admin, url, {"quota_set": {"security_groups": 3}}, version="2.36")
    assert code == 400


def test_policies(cloud):
    url = f"/os-quota-sets/{DEMO_PROJECT}"
    code, body = _put(cloud.demo, url, {"quota_set": {"instances": 50}})
    assert code == 403 and "forbidden" in body
    code, body = cloud.demo.delete(url)
    assert code == 403 and "forbidden" in body
    for suffix in ("", "/detail"):
        code, body = cloud.demo.get(f"/os-quota-sets/{OTHER}{suffix}")
        assert code == 403 and "forbidden" in body
        assert cloud.admin.get(f"/os-quota-sets/{OTHER}{suffix}")[0] == 200
    assert cloud.demo.get(f"{url}/detail")[0] == 200
    assert cloud.demo.get(f"/os-quota-sets/{OTHER}/defaults")[0] == 200
    # Nothing was changed by the refused calls.
    assert _quota(cloud.demo)["instances"] == 10


def test_per_user_limits(cloud):
    url = f"/os-quota-sets/{DEMO_PROJECT}"
    assert _put(cloud.admin, url, {"quota_set": {"cores": 12}})[0] == 200
    code, body = _put(cloud.admin, f"{url}?user_id=u1", {"quota_set": {"instances": 3,
                                                                       "cores": 12}})
    assert code == 200, body
    assert body["quota_set"]["instances"] == 3
    assert _quota(cloud.demo, user_id="u1")["instances"] == 3
    assert _quota(cloud.demo, user_id="u1")["cores"] == 12
    assert _quota(cloud.demo)["instances"] == 10          # the project's own
    assert _quota(cloud.demo, user_id="u2")["instances"] == 10
    # A user never holds more than the project, forced or not.
    for limit in (13, -1):
        for force in (False, True):
            code, body = _put(cloud.admin, f"{url}?user_id=u1",
                              {"quota_set": {"cores": limit, "force": force}})
            assert code == 400 and "must be less than or equal to 12" in \
                body["badRequest"]["message"], (limit, force, body)
    # ... and the project's limit does not go under its users' (unforced).
    code, body = _put(cloud.admin, url, {"quota_set": {"cores": 11}})
    assert code == 400 and "already used and reserved 12" in body["badRequest"]["message"]
    # Reverting the user: back to the project's limits.
    assert cloud.admin.delete(f"{url}?user_id=u1")[0] == 202
    assert _quota(cloud.demo, user_id="u1")["instances"] == 10
    assert _quota(cloud.demo)["cores"] == 12
    # Reverting the project removes every user's limits too.
    assert _put(cloud.admin, f"{url}?user_id=u1", {"quota_set": {"instances": 2}})[0] == 200
    assert cloud.admin.delete(url)[0] == 202
    assert _quota(cloud.demo, user_id="u1") == dict(LATEST, id=DEMO_PROJECT)


def _boot(cloud, name):
    return cloud.demo.post("/servers", server_body(cloud.image_id(), name=name))


def test_quota_set_then_boot_refused_and_detail(cloud):
    code, body = _boot(cloud, "q1")
    assert code == 202, body
    sid = body["server"]["id"]
    try:
        cloud.wait_status(cloud.demo, sid, "ACTIVE")
        url = f"/os-quota-sets/{DEMO_PROJECT}"
        # Unforced, a limit below what the project holds is refused.
        code, body = _put(cloud.admin, url, {"quota_set": {"instances": 0}})
        assert code == 400
        assert body["badRequest"]["message"] == (
            "Quota limit 0 for instances must be greater than or equal to already used "
            "and reserved 1.")
        assert _put(cloud.admin, url, {"quota_set": {"instances": 1}})[0] == 200
        code, body = _boot(cloud, "q2")
        assert code == 403 and "forbidden" in body, body
        assert "Quota exceeded for instances" in body["forbidden"]["message"]
        detail = _quota(cloud.demo, suffix="/detail")
        assert detail["instances"] == {"in_use": 1, "limit": 1, "reserved": 0}
        assert detail["cores"] == {"in_use": 1, "limit": 20, "reserved": 0}
        assert detail["ram"]["in_use"] == 512 and detail["id"] == DEMO_PROJECT
        assert set(detail) == set(LATEST) | {"id"}
        old = _quota(cloud.demo, suffix="/detail", version="2.35")
        assert old["floating_ips"] == {"in_use": 0, "limit": -1, "reserved": 0}
        assert old["injected_files"] == {"in_use": 0, "limit": 5, "reserved": 0}
        # The user's own usage, and the same counts in /limits.
        mine = _quota(cloud.demo, suffix="/detail", user_id=DEMO_USER)
        assert mine["instances"]["in_use"] == 1
        assert _quota(cloud.demo, suffix="/detail", user_id="nobody")["instances"][
            "in_use"] == 0
        absolute = cloud.demo.get("/limits")[1]["limits"]["absolute"]
        assert (absolute["maxTotalInstances"], absolute["totalInstancesUsed"]) == (1, 1)
        # Forced: any limit goes.
        code, body = _put(cloud.admin, url, {"quota_set": {"instances": 0, "force": True}})
        assert code == 200 and body["quota_set"]["instances"] == 0
        # The project is unlimited, the user is not: the user's limit refuses.
        assert cloud.admin.delete(url)[0] == 202
        assert _put(cloud.admin, url, {"quota_set": {"instances": -1}})[0] == 200
        code, body = _put(cloud.admin, f"{url}?user_id={DEMO_USER}",
                          {"quota_set": {"instances": 1}})
        assert code == 200, body
        code, body = _boot(cloud, "q3")
        assert code == 403 and "Quota exceeded for instances" in body["forbidden"]["message"]
        assert cloud.admin.delete(f"{url}?user_id={DEMO_USER}")[0] == 202
    finally:
        assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
        cloud.wait_gone(cloud.demo, sid)


def test_openstack_cli_quota_set_show_limits_and_boot(cloud):
    """``openstack quota set --instances 1 <project>`` (the admin, the
    project found by name through identity), then as a member of it:
    ``quota show``, ``limits show --absolute`` and what a boot allows agree."""
    def run(cloud_name, *args, ok=True):
        return cloud.openstack(*args, as_=cloud_name, ok=ok)

    def shown(*extra):
        rows = run("nubes-demo", "quota", "show", "--compute", *extra, "-f", "json")
        return {r["Resource"]: r for r in rows}

    run("nubes", "quota", "set", "--instances", "1", "demo")
    assert shown()["instances"]["Limit"] == 1
    server = run("nubes-demo", "server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                 "--nic", "none", "c1", "--wait", "-f", "json")
    try:
        assert server["status"] == "ACTIVE", server
        refused = run("nubes-demo", "server", "create", "--flavor", "m1.tiny", "--image",
                      "cirros", "--nic", "none", "c2", ok=False)
        assert "Quota exceeded for instances" in refused.stderr
        assert "403" in refused.stderr
        usage = shown("--usage")["instances"]
        assert (usage["Limit"], usage["In Use"]) == (1, 1)
        limits = {r["Name"]: r["Value"] for r in run(
            "nubes-demo", "limits", "show", "--absolute", "-f", "json")}
        # The SDK's names for maxTotalInstances and totalInstancesUsed.
        assert (limits["instances"], limits["instances_used"]) == (1, 1)
    finally:
        run("nubes-demo", "server", "delete", "--wait", server["id"])
        run("nubes", "quota", "delete", "--compute", "demo")
    assert shown()["instances"]["Limit"] == 10


def test_key_pairs_and_server_groups_follow_the_quota_set(cloud):
    """key_pairs (per user) and server_groups limits set through the API
    refuse the next create with 403, as the quota set says."""
    assert cloud.admin.put(f"/os-quota-sets/{DEMO_PROJECT}", {"quota_set": {
        "key_pairs": 1, "server_groups": 1}})[0] == 200
    made_keys, made_groups = [], []
    try:
        code, body = cloud.demo.post("/os-keypairs", {"keypair": {"name": "qk1"}}, version="2.91")
        assert code in (200, 201), body
        made_keys.append("qk1")
        code, body = cloud.demo.post("/os-keypairs", {"keypair": {"name": "qk2"}}, version="2.91")
        assert code == 403 and "too many key pairs" in body["forbidden"]["message"]
        code, body = cloud.demo.post("/os-server-groups", {"server_group": {
            "name": "g1", "policy": "affinity"}})
        assert code == 200, body
        made_groups.append(body["server_group"]["id"])
        code, body = cloud.demo.post("/os-server-groups", {"server_group": {
            "name": "g2", "policy": "affinity"}})
        assert code == 403
        assert body["forbidden"]["message"] == "Quota exceeded, too many server groups."
        # Another project is not limited by the demo project's quota.
        code, body = cloud.admin.post("/os-server-groups", {"server_group": {
            "name": "g3", "policy": "affinity"}})
        assert code == 200
        cloud.admin.delete(f"/os-server-groups/{body['server_group']['id']}")
    finally:
        for name in made_keys:
            cloud.demo.delete(f"/os-keypairs/{name}")
        for gid in made_groups:
            cloud.demo.delete(f"/os-server-groups/{gid}")
