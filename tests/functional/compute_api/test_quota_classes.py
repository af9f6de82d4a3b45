"""/os-quota-class-sets through real HTTP on a whole embedded cloud:
show and update by microversion (2.50 trades the network quotas for the
server group ones, 2.57 drops the injected files), admin only, and the
``default`` class as every project's default limit."""
from __future__ import annotations

import pytest

from tests.fixtures.cloud import DEMO_PROJECT, ServersCloud

pytestmark = pytest.mark.slow
BASE = {"cores": 20, "instances": 10, "key_pairs": 100, "metadata_items": 128,
        "ram": 51200}
GROUPS = {"server_groups": 10, "server_group_members": 10}
INJECTED = {"injected_files": 5, "injected_file_content_bytes": 10240,
            "injected_file_path_bytes": 255}
NETWORK = {"fixed_ips": -1, "floating_ips": -1, "security_groups": -1,
           "security_group_rules": -1}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("quota-classes") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


def _put(api, name, body, version=None):
    return api.request("PUT", f"/os-quota-class-sets/{name}", {"quota_class_set": body},
                       version=version)


def _show(api, name, version=None):
    code, body = api.get(f"/os-quota-class-sets/{name}", version=version)
    assert code == 200, body
    return body["quota_class_set"]


def test_fields_by_microversion(cloud):
    assert _show(cloud.admin, "default") == dict(BASE, **GROUPS, id="default")
    assert _show(cloud.admin, "default", "2.56") == dict(BASE, **GROUPS, **INJECTED,
                                                        id="default")
    assert _show(cloud.admin, "default", "2.50") == dict(BASE, **GROUPS, **INJECTED,
                                                        id="default")
    assert _show(cloud.admin, "default", "2.49") == dict(BASE, **NETWORK, **INJECTED,
                                                        id="default")


def test_default_class_is_every_projects_default(cloud):
    try:
        code, body = _put(cloud.admin, "default", {"instances": 7, "server_groups": "3"})
        assert code == 200, body
        assert body == {"quota_class_set": dict(BASE, **dict(GROUPS, server_groups=3),
                                                instances=7)}
        quota = cloud.demo.get(f"/os-quota-sets/{DEMO_PROJECT}")[1]["quota_set"]
        assert (quota["instances"], quota["server_groups"]) == (7, 3)
        defaults = cloud.demo.get(f"/os-quota-sets/{DEMO_PROJECT}/defaults")[1]
        assert defaults["quota_set"]["instances"] == 7
        absolute = cloud.demo.get("/limits")[1]["limits"]["absolute"]
        assert (absolute["maxTotalInstances"], absolute["maxServerGroups"]) == (7, 3)
        # A project's own row still wins over the class.
        code, _ = cloud.admin.request("PUT", f"/os-quota-sets/{DEMO_PROJECT}",
                                      {"quota_set": {"instances": 4}})
        assert code == 200
        assert cloud.demo.get(f"/os-quota-sets/{DEMO_PROJECT}")[1]["quota_set"][
            "instances"] == 4
        # Another class is stored and shown, never enforced.
        assert _put(cloud.admin, "gold", {"instances": 50})[0] == 200
        assert _show(cloud.admin, "gold")["instances"] == 50
        assert _show(cloud.admin, "silver")["instances"] == 10
        # Old microversions: network quotas taken and ignored.
        code, body = _put(cloud.admin, "gold", {"floating_ips": 9, "cores": -1}, "2.49")
        assert code == 200 and body["quota_class_set"]["floating_ips"] == -1
        assert body["quota_class_set"]["cores"] == -1
    finally:
        cloud.admin.delete(f"/os-quota-sets/{DEMO_PROJECT}")
        _put(cloud.admin, "default", {"instances": 10, "server_groups": 10})


@pytest.mark.parametrize("version, body", [
    (None, {"instances": -2}), (None, {"instances": 2**31}), (None, {"instances": "x"}),
    (None, {"force": True}), (None, {"floating_ips": 1}), (None, {"injected_files": 1}),
    ("2.56", {"networks": 1}), (None, {"bogus": 1})])
def test_bad_values_are_400(cloud, version, body):
    code, answer = _put(cloud.admin, "default", body, version)
    assert code == 400 and "badRequest" in answer, (body, answer)
    assert _show(cloud.admin, "default")["instances"] == 10


def test_admin_only(cloud):
    code, body = cloud.demo.get("/os-quota-class-sets/default")
    assert code == 403 and "forbidden" in body
    code, body = _put(cloud.demo, "default", {"instances": 1})
    assert code == 403 and "forbidden" in body
    code, body = cloud.admin.get("/os-quota-class-sets/" + "c" * 256)
    assert code == 400 and "badRequest" in body
    code, body = cloud.admin.request("DELETE", "/os-quota-class-sets/default")
    assert code == 405
