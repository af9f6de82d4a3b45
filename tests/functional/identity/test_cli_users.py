"""The real ``openstack`` CLI's user commands against a whole embedded
cloud (``nubes up``): ``user list``, ``user show`` (by name: the CLI tries
the id route, then ``?name=``), ``keypair list --user`` (the CLI looks the
user up in identity first), and a member's refusal."""
from __future__ import annotations

import pytest

from tests.fixtures.cloud import module_cloud

pytestmark = pytest.mark.slow

cloud = module_cloud("cli-users")


def test_user_list_and_show(cloud):
    listed = cloud.openstack("user", "list", "-f", "json")
    assert sorted(u["Name"] for u in listed) == ["admin", "demo"]
    ids = {u["Name"]: u["ID"] for u in listed}
    long = cloud.openstack("user", "list", "--long", "-f", "json")
    demo = next(u for u in long if u["Name"] == "demo")
    assert demo["Enabled"] is True and demo["Domain"] == "default"
    shown = cloud.openstack("user", "show", "demo", "-f", "json")
    assert (shown["id"], shown["name"], shown["domain_id"]) == (ids["demo"], "demo", "default")
    assert cloud.openstack("user", "show", ids["admin"], "-f", "json")["name"] == "admin"
    for domain in ("default", "Default"):
        in_domain = cloud.openstack("user", "list", "--domain", domain, "-f", "json")
        assert sorted(u["Name"] for u in in_domain) == ["admin", "demo"]
    assert cloud.openstack("domain", "show", "Default", "-f", "json")["id"] == "default"
    refused = cloud.openstack("user", "list", as_="nubes-demo", ok=False)
    assert "identity:list_users" in refused.stderr or "403" in refused.stderr


def test_keypair_list_for_a_user(cloud, tmp_path):
    public = tmp_path / "id.pub"
    public.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn2bl1bMzLQx0uh4L3cLpkFh7rTVPBz"
                      "8Ke9r2IcJr5Q me@host\n")
    cloud.openstack("keypair", "create", "--public-key", str(public), "demo-kp",
                    as_="nubes-demo")
    try:
        listed = cloud.openstack("keypair", "list", "--user", "demo", "-f", "json")
        assert [k["Name"] for k in listed] == ["demo-kp"]
        assert cloud.openstack("keypair", "list", "--user", "admin", "-f", "json") == []
    finally:
        cloud.openstack("keypair", "delete", "demo-kp", as_="nubes-demo")
