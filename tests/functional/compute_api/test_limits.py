"""GET /limits: absolute limits from [quota] defaults, the default quota
class and project rows; keys by microversion; other projects for admins."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.api_db import models as api_models
from nubes.common.timeutils import utcnow


def test_defaults_and_keys_by_microversion(cloud):
    member = cloud.api.as_user(project="p1")
    body = member.get("/limits").json
    assert body["limits"]["rate"] == []
    assert body["limits"]["absolute"] == {
        "maxTotalInstances": 10, "maxTotalCores": 20, "maxTotalRAMSize": 51200,
        "maxTotalKeypairs": 100, "maxServerMeta": 128, "maxServerGroups": 10,
        "maxServerGroupMembers": 10, "totalInstancesUsed": 0, "totalCoresUsed": 0,
        "totalRAMUsed": 0, "totalServerGroupsUsed": 0}
    old = member.get("/limits", version="2.1").json["limits"]["absolute"]
    assert (old["maxPersonality"], old["maxPersonalitySize"], old["maxImageMeta"]) == \
        (5, 10240, 128)
    assert old["maxSecurityGroups"] == -1 and old["totalFloatingIpsUsed"] == 0
    assert "maxImageMeta" in member.get("/limits", version="2.38").json["limits"]["absolute"]
    at_239 = member.get("/limits", version="2.39").json["limits"]["absolute"]
    assert "maxImageMeta" not in at_239 and "maxPersonality" in at_239
    assert "maxSecurityGroups" not in member.get("/limits", version="2.36").json[
        "limits"]["absolute"]
    assert "maxPersonality" not in member.get("/limits", version="2.57").json[
        "limits"]["absolute"]


def test_quota_rows_and_usage(cloud):
    now = utcnow()
    cloud.deployment.api_db.write(lambda conn: [
        conn.execute(sa.insert(api_models.quota_classes).values(
            class_name="default", resource="cores", hard_limit=40, created_at=now)),
        conn.execute(sa.insert(api_models.quotas).values(
            project_id="p1", resource="instances", hard_limit=None, created_at=now)),
        conn.execute(sa.insert(api_models.quotas).values(
            project_id="p1", resource="cores", hard_limit=8, created_at=now))])
    p1 = cloud.api.as_user(project="p1")
    p1.post("/os-server-groups", json={"server_group": {"name": "g", "policy": "affinity"}})
    absolute = p1.get("/limits").json["limits"]["absolute"]
    assert (absolute["maxTotalInstances"], absolute["maxTotalCores"]) == (-1, 8)
    assert absolute["totalServerGroupsUsed"] == 1
    p2 = cloud.api.as_user(project="p2")
    assert p2.get("/limits").json["limits"]["absolute"]["maxTotalCores"] == 40


def test_other_projects_need_admin(cloud):
    p1 = cloud.api.as_user(project="p1")
    p1.post("/os-server-groups", json={"server_group": {"name": "g", "policy": "affinity"}})
    resp = p1.get("/limits", params={"tenant_id": "p2"})
    assert resp.status == 403 and resp.fault[0] == "forbidden"
    assert p1.get("/limits", params={"tenant_id": "p1"}).status == 200
    seen = cloud.api.get("/limits", params={"tenant_id": "p1"}).json
    assert seen["limits"]["absolute"]["totalServerGroupsUsed"] == 1


def test_quota_config_overrides(cells_deployment):
    cells_deployment.reset()
    from nubes.api.compute import app as compute_app
    from nubes.cells.targeting import CellDatabases
    from tests.fixtures.compute import ComputeClient
    from tests.fixtures.servers import ThreadedServer
    from tests.functional.compute_api.conftest import compute_conf

    conf = compute_conf(cells_deployment, None, quota={"instances": 3, "ram": -1})
    databases = CellDatabases()
    state = compute_app.build_state(conf, api_db=cells_deployment.api_db, databases=databases)
    try:
        with ThreadedServer(compute_app.build(conf, state=state)) as server:
            absolute = ComputeClient(server.url).get("/limits").json["limits"]["absolute"]
    finally:
        databases.dispose()
    assert (absolute["maxTotalInstances"], absolute["maxTotalRAMSize"]) == (3, -1)
