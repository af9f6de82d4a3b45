"""The cloud the hostile requests go to: a :class:`ServersCloud` (one cell,
one host) whose API, placement, image and cell databases are on the
chosen backend, seeded with one resource of each kind in the admin's
project (the member's requests aim at them too: another project's), and
the fingerprints that tell whether a request wrote anything."""
from __future__ import annotations

import hashlib
import os
import time
import uuid
import requests
import sqlalchemy as sa
import yaml

from nubes.common import tokens
from tests.fixtures.backend_cloud import BackendCloud
from tests.fixtures.cloud import server_body
from tests.fuzz.generate import BODY_HINTS

CELL_NAMES = ("cell0", "cell1")     # one cell, and cell0


class FuzzCloud(BackendCloud):
    def __init__(self, backend: str, state_dir: str):
        super().__init__(backend, state_dir)
        try:
            self._seed()
        except BaseException:
            self.stop()
            raise

    def _seed(self) -> None:
        embedded = self.cloud.embedded
        self.urls = {name: embedded.urls[name]
                     for name in ("compute", "placement", "image", "identity", "volume")}
        self.tokens = {"admin": self.cloud.admin_token, "member": self.cloud.demo_token,
                       "none": None, "bad": "gAAAAA-not-a-token"}
        self.codec = tokens.codec_from_conf(self.cloud.conf)
        conf = self.cloud.conf
        self.databases = {
            "compute": [embedded.databases.get(conf.api_database.connection)]
            + [embedded.databases.get(embedded.layout.cell_database(n)) for n in CELL_NAMES],
            "placement": [embedded.databases.get(conf.placement_database.connection)],
            "image": [embedded.databases.get(conf.image_database.connection)],
            "volume": [embedded.databases.get(conf.volume_database.connection)],
        }
        self.identity_files = [conf.identity.users_file, conf.identity.token_secret_file,
                               conf.identity.revoked_tokens_file]
        self._queries = {api: [_count_query(db) for db in dbs]
                         for api, dbs in self.databases.items()}
        self.seeds = seed(self)

    def fresh_token(self, caller: str) -> str | None:
        """A token nobody else uses (identity requests may revoke it)."""
        if caller not in ("admin", "member"):
            return self.tokens[caller]
        admin = caller == "admin"
        token, _ = self.codec.issue(
            user_id="admin-user" if admin else "demo-user", user_name="admin" if admin else "demo",
            project_id="admin-project" if admin else "demo-project",
            project_name="admin" if admin else "demo",
            roles=("admin", "member", "reader") if admin else ("member", "reader"), ttl=3600)
        return token

    def fingerprint(self, api: str) -> tuple:
        """Row counts of every table of the API's databases (placement adds
        the sum of provider generations, which every provider write bumps;
        identity: a hash of its files)."""
        if api == "identity":
            digest = hashlib.sha256()
            for path in self.identity_files:
                if path and os.path.exists(path):
                    with open(path, "rb") as f:
                        digest.update(f.read())
            return (digest.hexdigest(),)
        counts = []
        for db, (names, query) in zip(self.databases[api], self._queries[api]):
            row = db.read(lambda conn, q=query: tuple(conn.execute(q).one()))
            counts.extend(zip(names, row))
        return tuple(counts)

    def settle(self, api: str, timeout: float = 10.0) -> tuple:
        """Wait until what a 2xx started (a boot, a deletion) stops writing:
        the fingerprint unchanged over 0.3 s."""
        deadline = time.monotonic() + timeout
        last = self.fingerprint(api)
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.fingerprint(api)
            if now == last:
                return now
            last = now
        return last



def _count_query(db) -> tuple[list[str], sa.Select]:
    """One SELECT of the row count of every table of ``db`` (one round trip)."""
    metadata = sa.MetaData()
    metadata.reflect(db.engine)
    names = sorted(t for t in metadata.tables if t != "alembic_version")
    columns = []
    for name in names:
        table = metadata.tables[name]
        columns.append(sa.select(sa.func.count()).select_from(table).scalar_subquery()
                       .label(f"n{len(columns)}"))
        if "generation" in table.c:
            columns.append(sa.select(sa.func.coalesce(sa.func.sum(table.c.generation), 0))
                           .scalar_subquery().label(f"n{len(columns)}"))
    labels = []
    for name in names:
        labels.append(name)
        if "generation" in metadata.tables[name].c:
            labels.append(name + ".generation")
    return labels, sa.select(*columns)


def seed(fuzz: FuzzCloud) -> dict[str, dict[str, list[str]]]:
    """One resource of each kind, owned by the admin's project, and the
    ids every path parameter can take (per API)."""
    cloud = fuzz.cloud
    admin, demo = cloud.admin, cloud.demo
    image = cloud.image_id()
    servers = []
    for api, name in ((admin, "fuzz-admin"), (demo, "fuzz-member")):
        code, body = api.post("/servers", server_body(image, name=name))
        assert code == 202, body
        servers.append(body["server"]["id"])
    for api, sid in zip((admin, demo), servers):
        cloud.wait_status(api, sid, "ACTIVE")
        api.put(f"/servers/{sid}/metadata/k1", {"meta": {"k1": "v1"}})
        api.put(f"/servers/{sid}/tags/t1", None)
    actions = admin.get(f"/servers/{servers[0]}/os-instance-actions")[1]["instanceActions"]
    code, flavor = admin.post("/flavors", {"flavor": {
        "name": "fuzz-private", "ram": 64, "vcpus": 1, "disk": 1, "id": "fuzz",
        "os-flavor-access:is_public": False}})
    assert code == 200, flavor
    admin.post("/flavors/fuzz/os-extra_specs", {"extra_specs": {"hw:cpu_policy": "shared"}})
    code, agg = admin.post("/os-aggregates", {"aggregate": {"name": "fuzz-agg"}})
    assert code == 200, agg
    code, group = admin.post("/os-server-groups", {"server_group": {
        "name": "fuzz-group", "policies": ["affinity"]}})
    code, _ = admin.post("/os-keypairs", {"keypair": {"name": "fuzz-key"}})
    hypervisors = admin.get("/os-hypervisors", version="2.53")[1]["hypervisors"]
    old_hypervisors = admin.get("/os-hypervisors", version="2.1")[1]["hypervisors"]
    services = admin.get("/os-services", version="2.53")[1]["services"]
    old_services = admin.get("/os-services", version="2.1")[1]["services"]
    hosts = [h["hypervisor_hostname"] for h in hypervisors]
    placement = _seed_placement(fuzz, servers[0])
    private_image = _seed_image(fuzz)
    compute = {
        "server_id": servers, "request_id": [a["request_id"] for a in actions],
        "flavor_id": ["1", "fuzz", "42"], "key": ["hw:cpu_policy", "k1"],
        "aggregate_id": [str(agg["aggregate"]["id"])],
        "group_id": [group["server_group"]["id"]] if code == 200 else [],
        "name": ["fuzz-key"], "tag": ["t1"], "network_label": ["private"],
        "hypervisor_id": [h["id"] for h in hypervisors] + [str(h["id"]) for h in
                                                             old_hypervisors] + hosts,
        "service_id": [s["id"] for s in services] + [str(s["id"]) for s in old_services]
        + ["enable", "disable", "disable-log-reason", "force-down"],
        "tenant_id": ["admin-project", "demo-project"], "class_id": ["default"],
        "before_timestamp": ["2099-01-01 00:00:00"], "host_name": hosts,
        "alias": ["os-keypairs"], "image_id": [image, private_image], "migration_id": ["1"],
    }
    compute[BODY_HINTS] = {
        "uuid": servers + [image, private_image],
        "props": {"imageRef": [image, private_image], "flavorRef": ["1", "fuzz"],
                  "key_name": ["fuzz-key"], "host": hosts, "group": compute["group_id"],
                  "availability_zone": ["nova"], "flavor_id": ["1", "fuzz"],
                  "project_id": ["demo-project"], "tenant": ["demo-project"]}}
    placement[BODY_HINTS] = {
        "uuid": placement["uuid"] + servers, "rc": placement["resource_class"],
        "props": {"resource_provider_generation": [0, 1, 2, 3], "generation": [0, 1, 2],
                  "consumer_generation": [None, 0, 1], "project_id": ["demo-project"],
                  "user_id": ["demo-user"], "parent_provider_uuid": placement["uuid"]}}
    passwords = _passwords(cloud.clouds_yaml)
    identity = {"project_id": ["admin-project", "demo-project"], BODY_HINTS: {"props": {
        "name": ["admin", "demo", "admin-project", "demo-project", "Default"],
        "id": ["admin-user", "demo-user", "admin-project", "demo-project", "default"],
        "password": passwords, "methods": [["password"], ["token"], ["password", "token"]]}}}
    return {"compute": compute, "placement": placement,
            "image": {"image_id": [image, private_image], "tag": ["fuzz"]},
            "identity": identity, "volume": _seed_volume(fuzz, servers[0])}


def _passwords(clouds_yaml: str) -> list[str]:
    """The users' passwords the cloud wrote for the clients."""
    with open(clouds_yaml) as f:
        clouds = yaml.safe_load(f)["clouds"]
    return [c["auth"]["password"] for c in clouds.values() if c["auth"].get("password")]


def _seed_placement(fuzz: FuzzCloud, consumer: str) -> dict[str, list[str]]:
    base = fuzz.urls["placement"]
    headers = {"X-Auth-Token": fuzz.tokens["admin"],
               "OpenStack-API-Version": "placement 1.39"}
    rp = str(uuid.uuid4())
    requests.post(base + "/resource_providers", json={"name": "fuzz-rp", "uuid": rp},
                  headers=headers, timeout=30).raise_for_status()
    requests.put(base + "/resource_classes/CUSTOM_FUZZ", headers=headers, timeout=30)
    requests.put(base + "/traits/CUSTOM_FUZZ", headers=headers, timeout=30)
    requests.put(f"{base}/resource_providers/{rp}/inventories", headers=headers, timeout=30,
                 json={"resource_provider_generation": 0, "inventories": {
                     "CUSTOM_FUZZ": {"total": 10}, "VCPU": {"total": 4}}}).raise_for_status()
    providers = requests.get(base + "/resource_providers", headers=headers,
                             timeout=30).json()["resource_providers"]
    return {"uuid": [p["uuid"] for p in providers],
            "resource_class": ["VCPU", "MEMORY_MB", "CUSTOM_FUZZ", "DISK_GB"],
            "name": ["CUSTOM_FUZZ", "HW_CPU_X86_AVX", "VCPU"],
            "consumer_uuid": [consumer]}


def _seed_image(fuzz: FuzzCloud) -> str:
    resp = requests.post(fuzz.urls["image"] + "/v2/images", timeout=30,
                         headers={"X-Auth-Token": fuzz.tokens["admin"]},
                         json={"name": "fuzz-private", "visibility": "private",
                               "disk_format": "raw", "container_format": "bare",
                               "tags": ["fuzz"]})
    resp.raise_for_status()
    return resp.json()["id"]


def _seed_volume(fuzz: FuzzCloud, server: str) -> dict:
    """A volume with metadata, its snapshot, a private type with an extra
    spec and an attachment reserving the volume for ``server``."""
    base = fuzz.urls["volume"] + "/v3/admin-project"
    session = requests.Session()
    session.headers.update({"X-Auth-Token": fuzz.tokens["admin"],
                            "OpenStack-API-Version": "volume 3.71"})

    def call(method: str, path: str, body: dict | None = None) -> dict:
        resp = session.request(method, base + path, json=body, timeout=30)
        resp.raise_for_status()
        return resp.json() if resp.content else {}
    volume = call("POST", "/volumes", {"volume": {"size": 1, "name": "fuzz-vol",
                                                  "metadata": {"k1": "v1"}}})["volume"]
    deadline = time.monotonic() + 30
    while call("GET", f"/volumes/{volume['id']}")["volume"]["status"] != "available":
        assert time.monotonic() < deadline, "the seeded volume did not become available"
        time.sleep(0.05)
    snapshot = call("POST", "/snapshots", {"snapshot": {
        "volume_id": volume["id"], "name": "fuzz-snap"}})["snapshot"]
    kind = call("POST", "/types", {"volume_type": {
        "name": "fuzz-type", "os-volume-type-access:is_public": False}})["volume_type"]
    call("POST", f"/types/{kind['id']}/extra_specs", {"extra_specs": {"k1": "v1"}})
    attachment = call("POST", "/attachments", {"attachment": {
        "volume_uuid": volume["id"], "instance_uuid": server}})["attachment"]
    return {"project_id": ["admin-project", "demo-project"],
            "target": ["admin-project", "demo-project"],
            "volume_id": [volume["id"]], "snapshot_id": [snapshot["id"]],
            "type_id": [kind["id"]], "attachment_id": [attachment["id"]], "key": ["k1"],
            BODY_HINTS: {"uuid": [volume["id"], snapshot["id"], server],
                         "props": {"volume_id": [volume["id"]], "volume_uuid": [volume["id"]],
                                   "snapshot_id": [snapshot["id"]], "instance_uuid": [server],
                                   "source_volid": [volume["id"]], "volume_type": ["fuzz-type"],
                                   "project": ["demo-project"]}}}
