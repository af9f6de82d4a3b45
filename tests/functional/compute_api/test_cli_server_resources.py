"""The real ``openstack`` CLI on a server's sub-resources: ``server set`` /
``unset`` (name, description, properties, tags), ``server show`` as the CLI
prints it, ``server event list/show`` (instance actions with their events),
``server set --state`` (os-resetState) and ``server set --password``
(changePassword) / ``--no-password`` (os-server-password).  Each command's
output is checked, and what the compute API holds afterwards."""
from __future__ import annotations

import pytest

from tests.fixtures.cloud import module_cloud

pytestmark = pytest.mark.slow

cloud = module_cloud("cli-resources")


@pytest.fixture(scope="module")
def server(cloud):
    """A demo member's server made with the CLI; deleted with it at the end."""
    made = cloud.openstack("server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                           "--nic", "none", "--property", "keep=1", "res1", "--wait",
                           "-f", "json", as_="nubes-demo")
    assert made["status"] == "ACTIVE", made
    yield made
    cloud.openstack("server", "delete", "--wait", made["id"], as_="nubes-demo")


def _demo(cloud, *args, ok=True):
    return cloud.openstack(*args, as_="nubes-demo", ok=ok)


def test_server_set_unset_and_show(cloud, server):
    sid = server["id"]
    _demo(cloud, "--os-compute-api-version", "2.26", "server", "set", "--name", "renamed",
          "--description", "my box", "--property", "role=web", "--property", "tier=1",
          "--tag", "blue", "--tag", "green", sid)
    shown = _demo(cloud, "server", "show", sid, "-f", "json")
    assert (shown["name"], shown["description"]) == ("renamed", "my box")
    assert shown["properties"] == {"keep": "1", "role": "web", "tier": "1"}
    assert shown["tags"] == ["blue", "green"]
    assert (shown["status"], shown["locked"], shown["addresses"]) == ("ACTIVE", False, {})
    assert shown["image"] == f"cirros ({cloud.image_id()})"
    assert shown["flavor"]["original_name"] == "m1.tiny" and shown["flavor"]["ram"] == 512
    assert shown["security_groups"] == [{"name": "default"}]
    assert shown["server_groups"] == [] and shown["volumes_attached"] == []
    # A member does not see the host; the admin does.
    assert shown["OS-EXT-SRV-ATTR:host"] is None
    assert cloud.openstack("server", "show", sid, "-f", "json")["OS-EXT-SRV-ATTR:host"] \
        == cloud.host_of(sid)
    api = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert (api["name"], api["description"], api["tags"]) == ("renamed", "my box",
                                                              ["blue", "green"])
    assert api["metadata"] == {"keep": "1", "role": "web", "tier": "1"}

    _demo(cloud, "--os-compute-api-version", "2.26", "server", "unset", "--property", "role",
          "--tag", "blue", "--description", sid)
    shown = _demo(cloud, "server", "show", sid, "-f", "json")
    assert (shown["properties"], shown["tags"]) == ({"keep": "1", "tier": "1"}, ["green"])
    assert shown["description"] == ""       # the CLI unsets it as ""
    api = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert (api["metadata"], api["tags"], api["description"]) == (
        {"keep": "1", "tier": "1"}, ["green"], "")
    assert cloud.admin.get(f"/servers/{sid}/metadata/role")[0] == 404
    # The tag filters of the list see the change.
    tagged = _demo(cloud, "--os-compute-api-version", "2.26", "server", "list", "--tags",
                   "green", "-f", "json")
    assert [s["ID"] for s in tagged] == [sid]
    assert _demo(cloud, "--os-compute-api-version", "2.26", "server", "list", "--tags",
                 "blue", "-f", "json") == []


def test_server_set_state_is_os_reset_state_for_admins(cloud, server):
    sid = server["id"]
    refused = _demo(cloud, "server", "set", "--state", "error", "--auto-approve", sid, ok=False)
    assert "403" in refused.stderr
    cloud.openstack("server", "set", "--state", "error", "--auto-approve", sid)
    shown = cloud.openstack("server", "show", sid, "-f", "json")
    assert (shown["status"], shown["OS-EXT-STS:vm_state"]) == ("ERROR", "error")
    assert cloud.admin.get(f"/servers/{sid}")[1]["server"]["OS-EXT-STS:task_state"] is None
    cloud.openstack("server", "set", "--state", "active", "--auto-approve", sid)
    assert cloud.settled(sid, "ACTIVE")["OS-EXT-STS:vm_state"] == "active"
    actions = [a["Action"] for a in _demo(cloud, "server", "event", "list", sid, "-f", "json")]
    assert actions[:2] == ["resetState", "resetState"]


def test_server_set_password_and_no_password(cloud, server):
    """``--password`` is changePassword (the fake driver takes it);
    ``--no-password`` clears os-server-password."""
    sid = server["id"]
    _demo(cloud, "server", "set", "--password", "s3cret-Pass", sid)
    done = cloud.wait_action_done(sid, "changePassword")
    assert [(e["event"], e["result"]) for e in done["events"]] == [
        ("compute_set_admin_password", "Success")]
    assert "admin password changed" in _demo(cloud, "console", "log", "show", sid)
    _demo(cloud, "server", "set", "--no-password", sid)
    assert cloud.admin.get(f"/servers/{sid}/os-server-password")[1] == {"password": ""}


def test_server_event_list_and_show(cloud, server):
    sid = server["id"]
    _demo(cloud, "server", "set", "--password", "An0ther-pass", sid)
    cloud.wait_action_done(sid, "changePassword")
    listed = _demo(cloud, "server", "event", "list", "--long", sid, "-f", "json")
    api = cloud.admin.get(f"/servers/{sid}/os-instance-actions")[1]["instanceActions"]
    assert [(e["Request ID"], e["Action"]) for e in listed] == [
        (a["request_id"], a["action"]) for a in api]
    assert listed[-1]["Action"] == "create" and listed[0]["Action"] == "changePassword"
    assert {e["Server ID"] for e in listed} == {sid}
    assert {e["Project ID"] for e in listed} == {server["project_id"]}
    create = listed[-1]["Request ID"]
    shown = _demo(cloud, "server", "event", "show", sid, create, "-f", "json")
    assert (shown["action"], shown["request_id"], shown["message"]) == ("create", create, None)
    assert [(e["event"], e["result"]) for e in shown["events"]] == [
        ("compute__do_build_and_run_instance", "Success")]
    assert shown["events"][0]["finish_time"]
    # A member sees no host or traceback in the events; the admin does.
    assert shown["events"][0].get("host") is None
    admin = cloud.openstack("server", "event", "show", sid, create, "-f", "json")
    assert admin["events"][0]["host"] == cloud.host_of(sid)
    missing = _demo(cloud, "server", "event", "show", sid, "req-nope", ok=False)
    assert "Action req-nope on instance" in missing.stderr
    assert "could not be found" in missing.stderr
