"""The real ``openstack`` CLI on the compute API's own resources: key pairs,
server groups (and a boot with ``--hint group=``), flavors (properties,
``--long``, private flavors and ``--project`` access), ``limits show
--absolute``, ``availability zone list`` and ``extension list --compute``.
What the CLI prints is checked against what the API holds."""
from __future__ import annotations

import pytest

from tests.fixtures.cloud import module_cloud

pytestmark = pytest.mark.slow

cloud = module_cloud("cli-resources-compute", hosts_per_cell=2)

PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn2bl1bMzLQx0uh4L3cLpkFh7rTVPBz"
              "8Ke9r2IcJr5Q me@host")


def _demo(cloud, *args, ok=True):
    return cloud.openstack(*args, as_="nubes-demo", ok=ok)


def _boot(cloud, name, *extra) -> str:
    made = _demo(cloud, "server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                 "--nic", "none", *extra, name, "-f", "json")
    return made["id"]


def test_keypairs(cloud, tmp_path):
    public = tmp_path / "id.pub"
    public.write_text(PUBLIC_KEY + "\n")
    imported = _demo(cloud, "keypair", "create", "--public-key", str(public), "kp-imp",
                     "-f", "json")
    assert (imported["name"], imported["type"]) == ("kp-imp", "ssh")
    private = tmp_path / "id"
    made = _demo(cloud, "keypair", "create", "--private-key", str(private), "kp-gen",
                 "-f", "json")
    assert private.read_text().startswith("-----BEGIN ")
    refused = _demo(cloud, "keypair", "create", "--public-key", str(public), "kp-imp",
                    ok=False)
    assert "409" in refused.stderr and "already exists" in refused.stderr

    listed = _demo(cloud, "keypair", "list", "-f", "json")
    assert [(k["Name"], k["Type"]) for k in listed] == [("kp-gen", "ssh"), ("kp-imp", "ssh")]
    user = imported["user_id"]
    api = cloud.admin.get(f"/os-keypairs?user_id={user}", version="2.10")[1]["keypairs"]
    assert {k["keypair"]["name"]: k["keypair"]["fingerprint"] for k in api} == {
        k["Name"]: k["Fingerprint"] for k in listed}
    shown = _demo(cloud, "keypair", "show", "kp-imp", "-f", "json")
    assert (shown["fingerprint"], shown["user_id"]) == (imported["fingerprint"], user)
    assert _demo(cloud, "keypair", "show", "--public-key", "kp-imp").strip() == PUBLIC_KEY
    assert made["fingerprint"] == next(k["Fingerprint"] for k in listed
                                       if k["Name"] == "kp-gen")
    # A server boots with it and shows it.
    sid = _boot(cloud, "keyed", "--key-name", "kp-imp")
    assert cloud.settled(sid, "ACTIVE")["key_name"] == "kp-imp"
    _demo(cloud, "server", "delete", sid)

    _demo(cloud, "keypair", "delete", "kp-imp", "kp-gen")
    assert _demo(cloud, "keypair", "list", "-f", "json") == []
    assert cloud.admin.get(f"/os-keypairs/kp-imp?user_id={user}", version="2.10")[0] == 404
    missing = _demo(cloud, "keypair", "show", "kp-imp", ok=False)
    assert "kp-imp" in missing.stderr
    cloud.wait_gone(cloud.admin, sid)


def test_server_groups_hints_and_limits(cloud):
    group = _demo(cloud, "server", "group", "create", "--policy", "anti-affinity", "grp",
                  "-f", "json")
    assert (group["policy"], group["members"], group["rules"]) == ("anti-affinity", [], {})
    ruled = _demo(cloud, "--os-compute-api-version", "2.64", "server", "group", "create",
                  "--policy", "anti-affinity", "--rule", "max_server_per_host=1", "ruled",
                  "-f", "json")
    assert ruled["rules"] == {"max_server_per_host": 1}
    gid = group["id"]
    servers = [_boot(cloud, f"g{i}", "--hint", f"group={gid}") for i in (1, 2)]
    hosts = {cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] for sid in servers}
    assert len(hosts) == 2
    # Two hosts, anti-affinity: a third member finds no host.
    third = _boot(cloud, "g3", "--hint", f"group={gid}")
    failed = cloud.settled(third, "ERROR")
    assert "No valid host" in failed["fault"]["message"]
    shown = _demo(cloud, "server", "group", "show", "grp", "-f", "json")
    assert sorted(shown["members"]) == sorted(servers + [third])
    api = cloud.admin.get(f"/os-server-groups/{gid}")[1]["server_group"]
    assert sorted(api["members"]) == sorted(shown["members"])
    long = {g["Name"]: g for g in _demo(cloud, "server", "group", "list", "--long",
                                        "-f", "json")}
    assert set(long) == {"grp", "ruled"} and long["ruled"]["Members"] == []
    assert long["grp"]["Project Id"] == group["project_id"]

    limits = {r["Name"]: r["Value"] for r in _demo(cloud, "limits", "show", "--absolute",
                                                    "-f", "json")}
    detail = cloud.admin.get(f"/os-quota-sets/{group['project_id']}/detail")[1]["quota_set"]
    assert (limits["instances"], limits["instances_used"]) == (
        detail["instances"]["limit"], detail["instances"]["in_use"]) == (10, 3)
    assert (limits["server_groups"], limits["server_groups_used"]) == (10, 2)
    assert (limits["total_cores_used"], limits["total_ram_used"]) == (3, 1536)

    for sid in servers + [third]:
        _demo(cloud, "server", "delete", sid)
    for sid in servers + [third]:
        cloud.wait_gone(cloud.admin, sid)
    assert _demo(cloud, "server", "group", "show", gid, "-f", "json")["members"] == []
    _demo(cloud, "server", "group", "delete", "grp", "ruled")
    assert _demo(cloud, "server", "group", "list", "-f", "json") == []
    assert cloud.admin.get(f"/os-server-groups/{gid}")[0] == 404


def test_flavors_properties_and_access(cloud):
    made = cloud.openstack("flavor", "create", "--ram", "128", "--vcpus", "1", "--disk", "1",
                           "--property", "hw:cpu_policy=shared", "--property", "quota:a=1",
                           "f.cli", "-f", "json")
    fid = made["id"]
    assert made["properties"] == {"hw:cpu_policy": "shared", "quota:a": "1"}
    cloud.openstack("flavor", "set", "--property", "hw:mem_page_size=small", "f.cli")
    cloud.openstack("flavor", "unset", "--property", "quota:a", "f.cli")
    cloud.openstack("--os-compute-api-version", "2.55", "flavor", "set", "--description",
                    "small one", "f.cli")
    specs = cloud.admin.get(f"/flavors/{fid}/os-extra_specs")[1]["extra_specs"]
    assert specs == {"hw:cpu_policy": "shared", "hw:mem_page_size": "small"}
    assert cloud.admin.get(f"/flavors/{fid}", version="2.55")[1]["flavor"]["description"] \
        == "small one"
    long = {f["Name"]: f for f in cloud.openstack("flavor", "list", "--long", "-f", "json")}
    assert long["f.cli"]["Properties"] == specs
    assert (long["f.cli"]["RAM"], long["f.cli"]["VCPUs"], long["f.cli"]["Is Public"]) == \
        (128, 1, True)
    assert long["m1.tiny"]["Properties"] == {}
    refused = _demo(cloud, "flavor", "set", "--property", "x=y", "f.cli", ok=False)
    assert "403" in refused.stderr

    private = cloud.openstack("flavor", "create", "--ram", "64", "--vcpus", "1", "--private",
                              "--project", "demo", "f.private", "-f", "json")
    assert private["os-flavor-access:is_public"] is False
    demo_project = _demo(cloud, "token", "issue", "-f", "json")["project_id"]
    shown = cloud.openstack("flavor", "show", "f.private", "-f", "json")
    assert shown["access_project_ids"] == [demo_project]
    access = cloud.admin.get(f"/flavors/{private['id']}/os-flavor-access")[1]
    assert access["flavor_access"] == [{"flavor_id": private["id"], "tenant_id": demo_project}]
    assert _demo(cloud, "flavor", "show", "f.private", "-f", "json")["id"] == private["id"]
    # The member boots it; without access it is gone for them.
    sid = _boot(cloud, "priv", "--flavor", "f.private")
    assert cloud.settled(sid, "ACTIVE")["flavor"]["original_name"] == "f.private"
    _demo(cloud, "server", "delete", sid)
    cloud.openstack("flavor", "unset", "--project", "demo", "f.private")
    assert cloud.admin.get(f"/flavors/{private['id']}/os-flavor-access")[1] == {
        "flavor_access": []}
    assert "f.private" not in {f["Name"] for f in _demo(cloud, "flavor", "list", "--all",
                                                         "-f", "json")}
    _demo(cloud, "flavor", "show", "f.private", ok=False)
    cloud.openstack("flavor", "delete", "f.private", "f.cli")
    assert cloud.admin.get(f"/flavors/{fid}")[0] == 404
    cloud.wait_gone(cloud.admin, sid)


def test_availability_zones_and_extensions(cloud):
    zones = cloud.openstack("availability", "zone", "list", "--compute", "-f", "json")
    assert sorted((z["Zone Name"], z["Zone Status"]) for z in zones) == [
        ("internal", "available"), ("nova", "available")]
    assert _demo(cloud, "availability", "zone", "list", "--compute", "-f", "json") == [
        {"Zone Name": "nova", "Zone Status": "available"}]
    hosts = {(z["Zone Name"], z["Host Name"], z["Service Name"]) for z in cloud.openstack(
        "availability", "zone", "list", "--compute", "--long", "-f", "json")}
    api = cloud.admin.get("/os-availability-zone/detail")[1]["availabilityZoneInfo"]
    assert hosts == {(z["zoneName"], host, service) for z in api
                     for host, services in z["hosts"].items() for service in services}
    assert ("nova", "cell1-compute1", "nova-compute") in hosts

    listed = _demo(cloud, "extension", "list", "--compute", "-f", "json")
    api = cloud.demo.get("/extensions")[1]["extensions"]
    assert sorted((e["Name"], e["Alias"]) for e in listed) == sorted(
        (e["name"], e["alias"]) for e in api)
    assert "OS-EXT-AZ" in {e["Alias"] for e in listed}
