"""Counted quota under the project's lock, on every backend: parallel
``POST /servers`` by one project accept exactly what its quota leaves
(counted in the build requests and in every cell, a server moving from
one to the other once, a server the recheck refused not at all), the rest
is a 403 that never reports more used than the limit, and nothing of a
refused request is written.

The compute API here casts to a recorder on its API-level bus (no
super-conductor): the servers stay build requests, which is what the lock
is about."""
from __future__ import annotations

import uuid as uuidlib
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from nubes.api.compute import app as compute_app
from nubes.cells.api_db import models as api_models
from nubes.cells.cell_db import models as cell_models
from nubes.cells.repo import build_requests, quota_usage
from nubes.cells.targeting import CellDatabases
from nubes.common.timeutils import utcnow
from nubes.conductor.super.messages import TOPIC
from nubes.image.client import Image
from tests.fixtures.compute import ComputeClient
from tests.fixtures.servers import ThreadedServer
from tests.functional.compute_api.conftest import compute_conf

QUOTA = 5
PROJECT = "p-lock"


class _Images:
    """The image API, answering every image as active."""

    def get_image(self, image_id, *, token=None, request_id=None):
        return Image(id=image_id, name="cirros", status="active")


@pytest.fixture(scope="module")
def locked_api(cells_deployment, placement_server):
    """A compute API with an API-level bus whose casts are recorded."""
    conf = compute_conf(cells_deployment, placement_server.url,
                        DEFAULT={"transport_url": f"memory://quota-lock-{uuidlib.uuid4().hex}"},
                        quota={"instances": QUOTA, "cores": -1, "ram": -1})
    databases = CellDatabases()
    state = compute_app.build_state(conf, api_db=cells_deployment.api_db,
                                    databases=databases)
    state.images = _Images()
    casts: list[bytes] = []

    def record(body, done):
        casts.append(body)
        done()
    state.api_transport.subscribe(TOPIC, "recorder", record, capacity=1000)
    with ThreadedServer(compute_app.build(conf, state=state), threads=8) as server:
        yield server, state, casts
    state.placement.close()
    state.api_transport.close()
    databases.dispose()


@pytest.fixture
def api(locked_api, cloud):
    """As a member of ``PROJECT``, with a one-VCPU flavor ``t1``."""
    server, state, casts = locked_api
    state.cells.refresh()
    casts.clear()
    made = cloud.api.post("/flavors", json={"flavor": {
        "name": "t1", "ram": 512, "vcpus": 1, "disk": 1, "id": "t1"}})
    assert made.status == 200, made.json
    return ComputeClient(server.url).as_user(user="u-lock", project=PROJECT)


def _body(name: str, **kw) -> dict:
    return {"server": {"name": name, "imageRef": str(uuidlib.uuid4()), "flavorRef": "t1",
                       "networks": "none", **kw}}


def _build_requests(deployment) -> list[str]:
    table = api_models.build_requests
    return deployment.api_db.read(lambda conn: list(conn.scalars(
        sa.select(table.c.instance_uuid).where(table.c.project_id == PROJECT))))


def _in_parallel(api, bodies: list[dict]) -> list:
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda b: api.post("/servers", json=b), bodies))


def _refusals_are_honest(answers, used: int) -> None:
    for answer in answers:
        if answer.status != 202:
            assert answer.status == 403, answer.json
            assert answer.message.startswith("Quota exceeded for instances: Requested "), \
                answer.message
            assert answer.message.endswith(f"but already used {used} of {QUOTA} instances")


def test_parallel_creates_accept_exactly_the_quota(api, cloud):
    answers = _in_parallel(api, [_body(f"race-{i}") for i in range(4 * QUOTA)])
    accepted = [a.json["server"]["id"] for a in answers if a.status == 202]
    assert len(accepted) == QUOTA
    _refusals_are_honest(answers, QUOTA)
    assert sorted(_build_requests(cloud.deployment)) == sorted(accepted)
    # Nothing of a refused request was written.
    assert len(cloud.deployment.rows("api", api_models.instance_mappings)) == QUOTA
    assert len(cloud.deployment.rows("api", api_models.request_specs)) == QUOTA


def test_parallel_multi_creates_shrink_to_what_is_left(api, cloud):
    answers = _in_parallel(api, [_body(f"multi-{i}", min_count=1, max_count=3)
                                 for i in range(6)])
    assert sum(a.status == 202 for a in answers) >= 2
    assert len(_build_requests(cloud.deployment)) == QUOTA
    _refusals_are_honest(answers, QUOTA)


def _instance(deployment, cell: str, *, vm_state: str = "active",
              instance_uuid: str | None = None, not_counted: bool = False) -> str:
    instance_uuid = instance_uuid or str(uuidlib.uuid4())

    def work(conn):
        now = utcnow()
        conn.execute(sa.insert(cell_models.instances).values(
            uuid=instance_uuid, project_id=PROJECT, user_id="u-lock", vm_state=vm_state,
            vcpus=1, memory_mb=512, created_at=now))
        if not_counted:
            quota_usage.mark_not_counted(conn, instance_uuid, now)
    deployment.cell_dbs[cell].write(work)
    return instance_uuid


def _in_flight(deployment, cell: str) -> str:
    """A server the super-conductor is moving into ``cell``: its cell row
    is written, its build request not deleted yet."""
    instance_uuid = str(uuidlib.uuid4())
    deployment.api_db.write(lambda conn: build_requests.create(
        conn, instance_uuid=instance_uuid, project_id=PROJECT, user_id="u-lock",
        instance={"vcpus": 1, "memory_mb": 512}, spec={}))
    return _instance(deployment, cell, instance_uuid=instance_uuid)


def test_every_server_counts_once_and_refused_ones_not_at_all(api, cloud):
    deployment = cloud.deployment
    _instance(deployment, "cell1")                              # counts
    _instance(deployment, "cell0", vm_state="error")            # no host: counts
    for _ in range(3):                                          # recheck losers: do not
        _instance(deployment, "cell0", vm_state="error", not_counted=True)
    _instance(deployment, "cell2", vm_state="deleted")          # deleted below
    deployment.cell_dbs["cell2"].write(lambda conn: conn.execute(
        sa.update(cell_models.instances).where(cell_models.instances.c.vm_state == "deleted")
        .values(deleted=cell_models.instances.c.id)))
    _in_flight(deployment, "cell2")                             # counts once
    used = 3
    limits = api.get("/limits").json["limits"]["absolute"]
    assert limits["totalInstancesUsed"] == used

    answers = _in_parallel(api, [_body(f"late-{i}") for i in range(3 * QUOTA)])
    assert sum(a.status == 202 for a in answers) == QUOTA - used
    _refusals_are_honest(answers, QUOTA)
    assert api.get("/limits").json["limits"]["absolute"]["totalInstancesUsed"] == QUOTA
