"""/resource_classes: standard and custom classes, every microversion window."""
import os_resource_classes


def test_absent_before_1_2(placement):
    assert placement.get("/resource_classes", version="1.1").status == 404


def test_list_has_every_standard_class(placement):
    resp = placement.get("/resource_classes", version="1.2")
    assert resp.status == 200
    names = [rc["name"] for rc in resp.json["resource_classes"]]
    assert set(os_resource_classes.STANDARDS) <= set(names)
    vcpu = next(rc for rc in resp.json["resource_classes"] if rc["name"] == "VCPU")
    assert vcpu["links"] == [{"rel": "self", "href": "/resource_classes/VCPU"}]


def test_create_show_and_delete_custom_class(placement):
    resp = placement.post("/resource_classes", json={"name": "CUSTOM_GPU"}, version="1.2")
    assert resp.status == 201
    assert resp.headers["Location"].endswith("/resource_classes/CUSTOM_GPU")
    shown = placement.get("/resource_classes/CUSTOM_GPU", version="1.15")
    assert shown.status == 200
    assert shown.json["name"] == "CUSTOM_GPU"
    assert shown.headers["Cache-Control"] == "no-cache"
    assert "Last-Modified" in shown.headers
    assert placement.delete("/resource_classes/CUSTOM_GPU").status == 204
    assert placement.get("/resource_classes/CUSTOM_GPU").status == 404


def test_duplicate_create_is_409_duplicate_name(placement):
    placement.post("/resource_classes", json={"name": "CUSTOM_X"})
    resp = placement.post("/resource_classes", json={"name": "CUSTOM_X"})
    assert resp.status == 409
    assert resp.error_code == "placement.duplicate_name"


def test_bad_bodies(placement):
    for body in ({"name": "GPU"}, {"name": "CUSTOM_lower"}, {}, {"name": "CUSTOM_A", "x": 1},
                 {"name": "CUSTOM_" + "A" * 300}, {"name": 5}):
        resp = placement.post("/resource_classes", json=body)
        assert resp.status == 400, (body, resp)
        assert resp.error_code == "placement.undefined_code"
    malformed = placement.post("/resource_classes", data=b"{nope",
                               headers={"Content-Type": "application/json"})
    assert malformed.status == 400 and "Malformed JSON" in malformed.error_detail
    wrong_type = placement.post("/resource_classes", data=b"{}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status == 415


def test_standard_classes_are_read_only(placement):
    assert placement.delete("/resource_classes/VCPU").status == 400
    renamed = placement.put("/resource_classes/VCPU", json={"name": "CUSTOM_V"}, version="1.6")
    assert renamed.status == 400
    assert placement.put("/resource_classes/VCPU", version="1.7").status == 400


def test_rename_before_1_7(placement):
    placement.post("/resource_classes", json={"name": "CUSTOM_OLD"})
    resp = placement.put("/resource_classes/CUSTOM_OLD", json={"name": "CUSTOM_NEW"}, version="1.6")
    assert resp.status == 200
    assert resp.json["name"] == "CUSTOM_NEW"
    assert placement.get("/resource_classes/CUSTOM_OLD").status == 404
    missing = placement.put("/resource_classes/CUSTOM_NONE", json={"name": "CUSTOM_Z"}, version="1.6")
    assert missing.status == 404


def test_put_is_create_or_verify_from_1_7(placement):
    first = placement.put("/resource_classes/CUSTOM_IDEM", version="1.7")
    assert first.status == 201
    assert first.headers["Location"].endswith("/resource_classes/CUSTOM_IDEM")
    again = placement.put("/resource_classes/CUSTOM_IDEM", version="1.7")
    assert again.status == 204
    assert placement.put("/resource_classes/not_custom", version="1.7").status == 400


def test_delete_missing_is_404(placement):
    assert placement.delete("/resource_classes/CUSTOM_MISSING").status == 404


def test_delete_in_use_class_is_409(placement):
    placement.post("/resource_classes", json={"name": "CUSTOM_USED"})
    rp = placement.create_provider("rp-used")
    placement.set_inventory(rp["uuid"], {"CUSTOM_USED": 4})
    assert placement.delete("/resource_classes/CUSTOM_USED").status == 409


def test_members_cannot_manage_classes(placement):
    member = placement.as_user()
    assert member.get("/resource_classes").status == 403
    assert member.post("/resource_classes", json={"name": "CUSTOM_NO"}).status == 403
