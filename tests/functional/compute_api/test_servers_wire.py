"""Wire details of servers that real clients read, through real HTTP on a
whole embedded cloud: access addresses validated and normalised, every
field of the declared microversion in show/detail, security groups (only
``default`` exists), and 2.94 FQDN hostnames."""
from __future__ import annotations

import pytest

from nubes.cells.api_db import models as api_models
from tests.fixtures.cloud import ServersCloud, server_body

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("wire") / "state"),
                         overrides={"quota": {"instances": -1, "cores": -1, "ram": -1}})
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def image(cloud):
    return cloud.image_id()


def _api_rows(cloud) -> int:
    return cloud.count_rows(api_models.build_requests, api_models.request_specs,
                            api_models.instance_mappings)


def _create(cloud, image, version="2.96", **fields) -> str:
    code, body = cloud.demo.post("/servers", server_body(image, **fields), version=version)
    assert code == 202, body
    return body["server"]["id"]


def _delete(cloud, *ids) -> None:
    for sid in ids:
        assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    for sid in ids:
        cloud.wait_gone(cloud.demo, sid)


def _refused(cloud, body, version="2.96") -> str:
    before = _api_rows(cloud)
    code, answer = cloud.demo.post("/servers", body, version=version)
    assert code == 400, answer
    assert set(answer) == {"badRequest"} and answer["badRequest"]["code"] == 400
    # Deletes of earlier tests' servers may still be finishing: nothing
    # written means no more rows, not the same count.
    assert _api_rows(cloud) <= before
    return answer["badRequest"]["message"]


# --- accessIPv4 / accessIPv6 ------------------------------------------------------------

def test_access_addresses_are_stored_normalised(cloud, image):
    sid = _create(cloud, image, accessIPv4="192.168.0.10",
                  accessIPv6="0:0:0:0:0:babe:220.12.22.2")
    shown = cloud.wait_status(cloud.demo, sid, "ACTIVE")
    assert (shown["accessIPv4"], shown["accessIPv6"]) == ("192.168.0.10", "::babe:dc0c:1602")
    listed = cloud.demo.get("/servers/detail")[1]["servers"]
    mine = next(s for s in listed if s["id"] == sid)
    assert (mine["accessIPv4"], mine["accessIPv6"]) == ("192.168.0.10", "::babe:dc0c:1602")
    # The long form with an embedded IPv4 address (41 characters) fits the
    # 39-character column once normalised.
    long_form = "0000:0000:0000:0000:0000:ffff:192.168.0.1"
    other = _create(cloud, image, accessIPv6=long_form, accessIPv4="10.0.0.1")
    assert cloud.demo.get(f"/servers/{other}")[1]["server"]["accessIPv6"] \
        == "::ffff:c0a8:1"
    unset = _create(cloud, image)
    shown = cloud.demo.get(f"/servers/{unset}")[1]["server"]
    assert (shown["accessIPv4"], shown["accessIPv6"]) == ("", "")
    _delete(cloud, sid, other, unset)


@pytest.mark.parametrize(("field", "value", "kind"), [
    ("accessIPv4", "1.2.3", "ipv4"), ("accessIPv4", "1.2.3.256", "ipv4"),
    ("accessIPv4", "01.2.3.4", "ipv4"), ("accessIPv4", "::1", "ipv4"),
    ("accessIPv4", "", "ipv4"), ("accessIPv6", "::g", "ipv6"),
    ("accessIPv6", "1.2.3.4", "ipv6"), ("accessIPv6", "fe80::1%eth0", "ipv6"),
    ("accessIPv6", "1::2::3", "ipv6"),
])
def test_bad_access_addresses_are_400(cloud, image, field, value, kind):
    message = _refused(cloud, server_body(image, **{field: value}))
    assert message == (f"Invalid input for field/attribute server/{field}. "
                       f"Value: {value}. '{value}' is not a '{kind}'")


def test_access_addresses_must_be_strings(cloud, image):
    message = _refused(cloud, server_body(image, accessIPv4=None))
    assert message.startswith("Invalid input for field/attribute server/accessIPv4.")


# --- every field of the microversion --------------------------------------------------------

BASE_FIELDS = {
    "id", "name", "status", "tenant_id", "user_id", "metadata", "hostId", "image", "flavor",
    "created", "updated", "addresses", "accessIPv4", "accessIPv6", "links",
    "OS-DCF:diskConfig", "OS-EXT-AZ:availability_zone", "config_drive", "key_name",
    "OS-SRV-USG:launched_at", "OS-SRV-USG:terminated_at", "security_groups",
    "OS-EXT-STS:task_state", "OS-EXT-STS:vm_state", "OS-EXT-STS:power_state",
    "os-extended-volumes:volumes_attached"}
EXTENDED = {"OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname",
            "OS-EXT-SRV-ATTR:instance_name"}
EXTENDED_23 = {"OS-EXT-SRV-ATTR:reservation_id", "OS-EXT-SRV-ATTR:launch_index",
               "OS-EXT-SRV-ATTR:hostname", "OS-EXT-SRV-ATTR:kernel_id",
               "OS-EXT-SRV-ATTR:ramdisk_id", "OS-EXT-SRV-ATTR:root_device_name",
               "OS-EXT-SRV-ATTR:user_data"}


def _expected(version: tuple[int, int], *, admin: bool, show: bool) -> set[str]:
    """The fields of an ACTIVE server's show/detail body at ``version``."""
    fields = BASE_FIELDS | {"progress"}
    if admin:
        fields |= EXTENDED | (EXTENDED_23 if version >= (2, 3) else set())
    for since, names in (((2, 9), {"locked"}), ((2, 19), {"description"}),
                         ((2, 26), {"tags"}), ((2, 63), {"trusted_image_certificates"}),
                         ((2, 73), {"locked_reason"}),
                         ((2, 90), {"OS-EXT-SRV-ATTR:hostname"}),
                         ((2, 96), {"pinned_availability_zone"})):
        if version >= since:
            fields |= names
    if admin and version >= (2, 16):
        fields.add("host_status")
    if show and version >= (2, 71):
        fields.add("server_groups")
    return fields


VERSIONS = [(2, 1), (2, 2), (2, 3), (2, 8), (2, 9), (2, 15), (2, 16), (2, 19), (2, 25),
            (2, 26), (2, 62), (2, 63), (2, 70), (2, 71), (2, 72), (2, 73), (2, 89), (2, 90),
            (2, 95), (2, 96)]


@pytest.fixture(scope="module")
def active(cloud, image):
    code, group = cloud.demo.post("/os-server-groups", {"server_group": {
        "name": "g", "policies": ["anti-affinity"]}}, version="2.1")
    assert code == 200, group
    group_id = group["server_group"]["id"]
    body = {**server_body(image, availability_zone="nova"),
            "os:scheduler_hints": {"group": group_id}}
    code, created = cloud.demo.post("/servers", body)
    assert code == 202, created
    sid = created["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE")
    yield sid, group_id
    _delete(cloud, sid)


@pytest.mark.parametrize("version", VERSIONS, ids=[f"{a}.{b}" for a, b in VERSIONS])
@pytest.mark.parametrize("who", ["demo", "admin"])
def test_show_and_detail_carry_every_field_of_the_version(cloud, active, version, who):
    sid, group_id = active
    api = getattr(cloud, who)
    text = f"{version[0]}.{version[1]}"
    code, shown = api.get(f"/servers/{sid}", version=text)
    assert code == 200, shown
    shown = shown["server"]
    assert set(shown) == _expected(version, admin=who == "admin", show=True)
    code, listed = api.get("/servers/detail?all_tenants=1" if who == "admin"
                           else "/servers/detail", version=text)
    assert code == 200, listed
    detail = next(s for s in listed["servers"] if s["id"] == sid)
    assert set(detail) == _expected(version, admin=who == "admin", show=False)
    assert shown["security_groups"] == detail["security_groups"] == [{"name": "default"}]
    if version >= (2, 63):
        assert shown["trusted_image_certificates"] is None
    if version >= (2, 71):
        assert shown["server_groups"] == [group_id]
    if version >= (2, 9):
        assert shown["locked"] is False
    if version >= (2, 73):
        assert shown["locked_reason"] is None
    if version >= (2, 96):
        assert shown["pinned_availability_zone"] == "nova"
    if who == "admin" and version >= (2, 16):
        assert shown["host_status"] == "UP"


def test_create_answers_with_the_default_security_group(cloud, image):
    code, body = cloud.demo.post("/servers", server_body(
        image, security_groups=[{"name": "default"}]))
    assert code == 202, body
    assert body["server"]["security_groups"] == [{"name": "default"}]
    _delete(cloud, body["server"]["id"])


@pytest.mark.parametrize("groups", [[{"name": "web"}], [{"name": "default"}, {"name": "db"}]])
def test_an_unknown_security_group_is_400(cloud, image, groups):
    unknown = groups[-1]["name"]
    message = _refused(cloud, server_body(image, security_groups=groups))
    assert message == f"Security group {unknown} not found."


# --- hostname: 2.90 a host name, 2.94 an FQDN ------------------------------------------------

FQDN_255 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 63])   # 255 characters


@pytest.mark.parametrize(("given", "stored"), [
    ("My_Host.Example.COM", "my-host.example.com"),
    ("web-1.example.org.", "web-1.example.org"),
    ("-lead.-x-.trail-", "lead.x.trail"),
    ("a..b", "a.b"),
    (FQDN_255, FQDN_255),
    ("plain", "plain"),
])
def test_2_94_hostname_is_a_sanitised_fqdn(cloud, image, given, stored):
    sid = _create(cloud, image, hostname=given)
    shown = cloud.demo.get(f"/servers/{sid}", version="2.94")[1]["server"]
    assert shown["OS-EXT-SRV-ATTR:hostname"] == stored
    _delete(cloud, sid)


@pytest.mark.parametrize(("given", "why"), [
    (FQDN_255 + "e", "is too long"),
    ("", "should be non-empty"),
    ("host name.example", "does not match"),
    ("h!st.example", "does not match"),
    ("...", "It does not contain a host name."),
    ("x" * 64 + ".example", "is longer than 63 characters."),
])
def test_2_94_bad_hostnames_are_400(cloud, image, given, why):
    message = _refused(cloud, server_body(image, hostname=given), version="2.94")
    assert message.startswith("Invalid input for field/attribute ")
    assert why in message


def test_before_2_94_a_hostname_is_one_short_label(cloud, image):
    for version in ("2.90", "2.93"):
        assert "is too long" in _refused(cloud, server_body(image, hostname="x" * 64),
                                         version=version)
        assert "does not match" in _refused(cloud, server_body(image, hostname="-x"),
                                            version=version)
    sid = _create(cloud, image, version="2.93", hostname="Kept_As.Given")
    shown = cloud.demo.get(f"/servers/{sid}", version="2.93")[1]["server"]
    assert shown["OS-EXT-SRV-ATTR:hostname"] == "Kept_As.Given"
    _delete(cloud, sid)


# --- server groups ----------------------------------------------------------------------------

def test_a_deleted_server_leaves_its_group_members(cloud, image, active):
    sid, group_id = active
    body = {**server_body(image), "os:scheduler_hints": {"group": group_id}}
    code, created = cloud.demo.post("/servers", body)
    assert code == 202, created
    other = created["server"]["id"]
    cloud.wait_status(cloud.demo, other, "ACTIVE")
    members = cloud.demo.get(f"/os-server-groups/{group_id}")[1]["server_group"]["members"]
    assert sorted(members) == sorted([sid, other])
    _delete(cloud, other)
    shown = cloud.demo.get(f"/os-server-groups/{group_id}")[1]["server_group"]
    assert shown["members"] == [sid]
    listed = cloud.demo.get("/os-server-groups")[1]["server_groups"]
    assert next(g for g in listed if g["id"] == group_id)["members"] == [sid]
