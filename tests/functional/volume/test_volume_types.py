"""Volume types: the default type, admin create/update/delete, extra
specs (users see only the ones meant for them), private types."""
from __future__ import annotations


def _create(client, name, **fields):
    resp = client.post("/types", {"volume_type": {"name": name, **fields}})
    assert resp.status_code == 200, resp.text
    return resp.json()["volume_type"]


def test_default_type(volumes):
    user = volumes.user()
    listed = user.get("/types").json()["volume_types"]
    assert [t["name"] for t in listed] == ["__DEFAULT__"]
    default = user.get("/types/default").json()["volume_type"]
    assert default["name"] == "__DEFAULT__" and default["is_public"] is True
    assert default["description"] == "Default Volume Type"
    assert user.get(f"/types/{default['id']}").json()["volume_type"] == default
    resp = volumes.admin.delete(f"/types/{default['id']}")
    assert resp.status_code == 400 and "badRequest" in resp.json()


def test_admin_manages_types(volumes):
    admin, user = volumes.admin, volumes.user()
    created = _create(admin, "fast", description="SSD",
                      extra_specs={"volume_backend_name": "file", "multiattach": "<is> True"})
    assert created["extra_specs"] == {"volume_backend_name": "file",
                                      "multiattach": "<is> True"}
    assert created["os-volume-type-access:is_public"] is True
    assert admin.post("/types", {"volume_type": {"name": "fast"}}).status_code == 409
    assert user.post("/types", {"volume_type": {"name": "x"}}).status_code == 403
    shown = user.get(f"/types/{created['id']}").json()["volume_type"]
    assert shown["extra_specs"] == {"multiattach": "<is> True"}
    resp = admin.put(f"/types/{created['id']}", {"volume_type": {"description": "NVMe"}})
    assert resp.status_code == 200 and resp.json()["volume_type"]["description"] == "NVMe"
    assert admin.put(f"/types/{created['id']}", {"volume_type": {}}).status_code == 400
    assert user.put(f"/types/{created['id']}",
                    {"volume_type": {"name": "y"}}).status_code == 403
    assert admin.delete(f"/types/{created['id']}").status_code == 202
    assert user.get(f"/types/{created['id']}").status_code == 404


def test_extra_specs(volumes):
    admin = volumes.admin
    vtype = _create(admin, "specs")
    base = f"/types/{vtype['id']}/extra_specs"
    resp = admin.post(base, {"extra_specs": {"a": "1", "b": "2"}})
    assert resp.status_code == 200 and resp.json() == {"extra_specs": {"a": "1", "b": "2"}}
    assert admin.get(base).json() == {"extra_specs": {"a": "1", "b": "2"}}
    assert admin.get(base + "/a").json() == {"a": "1"}
    assert admin.put(base + "/a", {"a": "3"}).json() == {"a": "3"}
    assert admin.put(base + "/a", {"b": "3"}).status_code == 400
    assert admin.delete(base + "/a").status_code == 202
    assert admin.get(base + "/a").status_code == 404
    assert admin.delete(base + "/a").status_code == 404
    assert volumes.user().post(base, {"extra_specs": {"c": "1"}}).status_code == 403
    for bad in ({"extra_specs": {}}, {"extra_specs": {"k": 1}}, {"extra_specs": {"": "v"}},
                {"extra_specs": {"k": "v" * 256}}, {"other": {}}):
        assert admin.post(base, bad).status_code == 400, bad


def test_private_types(volumes):
    admin, p1, p2 = volumes.admin, volumes.user("p1"), volumes.user("p2")
    private = _create(admin, "private", **{"os-volume-type-access:is_public": False})
    assert private["is_public"] is False
    assert p1.get(f"/types/{private['id']}").status_code == 404
    assert "private" not in [t["name"] for t in p1.get("/types").json()["volume_types"]]
    action = f"/types/{private['id']}/action"
    assert admin.post(action, {"addProjectAccess": {"project": "p1"}}).status_code == 202
    assert admin.post(action, {"addProjectAccess": {"project": "p1"}}).status_code == 409
    access = admin.get(f"/types/{private['id']}/os-volume-type-access").json()
    assert access == {"volume_type_access": [{"volume_type_id": private["id"],
                                              "project_id": "p1"}]}
    assert "private" in [t["name"] for t in p1.get("/types").json()["volume_types"]]
    assert p2.get(f"/types/{private['id']}").status_code == 404
    volume = volumes.create(p1, volume_type="private")
    assert volume["volume_type"] == "private"
    resp = p2.post("/volumes", {"volume": {"size": 1, "volume_type": "private"}})
    assert resp.status_code == 404
    assert admin.delete(f"/types/{private['id']}").status_code == 400   # in use
    assert admin.post(action, {"removeProjectAccess": {"project": "p1"}}).status_code == 202
    assert admin.post(action, {"removeProjectAccess": {"project": "p1"}}).status_code == 404
    assert p1.get(f"/types/{private['id']}").status_code == 404
    admin_list = admin.get("/types?is_public=false").json()["volume_types"]
    assert [t["name"] for t in admin_list] == ["private"]
    assert p1.post(action, {"addProjectAccess": {"project": "p1"}}).status_code == 403
