"""``nubes-manage placement audit``: orphaned allocations in a real placement
(over HTTP) judged against real API and cell databases, on the backend of
the session's placement database."""
from __future__ import annotations

import uuid as uuidlib

import pytest
import sqlalchemy as sa

from nubes.cells.api_db import models as api_models
from nubes.cells.cell_db import models as cell_models
from nubes.cells.repo import build_requests
from nubes.common.timeutils import utcnow
from tests.functional.cells.deployment import (
    DEAD_DATABASE,
    Deployment,
    Manage,
    add_instance,
    archive_instance,
)

RESOURCES = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}

_deployments: dict[str, Deployment] = {}


@pytest.fixture(scope="module")
def audit_deployments():
    yield _deployments
    for deployment in _deployments.values():
        deployment.drop()
    _deployments.clear()


@pytest.fixture
def deployment(placement_database, audit_deployments) -> Deployment:
    """The cells deployment on the placement database's backend (this module
    needs both; the cells conftest's own fixture would pair every backend
    with every other)."""
    backend = placement_database.backend
    if backend not in audit_deployments:
        audit_deployments[backend] = Deployment(backend)
    audit_deployments[backend].reset()
    return audit_deployments[backend]


class Cloud:
    """Cells, placement providers and the records that make a consumer known."""

    def __init__(self, manage: Manage, placement, placement_url: str):
        self.manage = manage
        self.placement = placement
        self.deployment = manage.deployment
        manage.setup_cells()
        self.conf = _conf_with_placement(manage, placement_url)
        self.cell_ids = {r.name: r.id for r in self.deployment.api_db.read(
            lambda conn: list(conn.execute(sa.select(api_models.cell_mappings))))}

    def audit(self, *argv: str, conf: str | None = None):
        return self.manage("placement", "audit", *argv, conf=conf or self.conf)

    def provider(self, name: str) -> str:
        rp = self.placement.create_provider(name)["uuid"]
        self.placement.set_inventory(rp, {"VCPU": 16, "MEMORY_MB": 32768, "DISK_GB": 500})
        return rp

    def allocate(self, consumer: str, *providers: str) -> None:
        resp = self.placement.put(f"/allocations/{consumer}", version="1.38", json={
            "allocations": {rp: {"resources": RESOURCES} for rp in providers},
            "project_id": "p1", "user_id": "u1", "consumer_generation": None,
            "consumer_type": "INSTANCE"})
        assert resp.status == 204, resp

    def allocations(self, consumer: str) -> dict:
        resp = self.placement.get(f"/allocations/{consumer}", version="1.38")
        assert resp.status == 200, resp
        return resp.json["allocations"]

    def instance(self, cell: str = "cell1", *, deleted: bool = False) -> str:
        uuid = add_instance(self.deployment.cell_dbs[cell], deleted=deleted)
        self.map(uuid, cell)
        return uuid

    def map(self, uuid: str, cell: str | None) -> None:
        self.deployment.api_db.write(lambda conn: conn.execute(
            sa.insert(api_models.instance_mappings).values(
                instance_uuid=uuid, project_id="p1", user_id="u1",
                cell_id=None if cell is None else self.cell_ids[cell],
                queued_for_delete=False, created_at=utcnow())))

    def migration(self, instance: str, status: str, cell: str = "cell1",
                  migration_type: str = "resize", hidden: bool = False) -> str:
        """A migration of ``instance`` (in ``cell``); its uuid."""
        uuid = str(uuidlib.uuid4())
        self.deployment.cell_dbs[cell].write(lambda conn: conn.execute(
            sa.insert(cell_models.migrations).values(
                uuid=uuid, instance_uuid=instance, status=status,
                migration_type=migration_type, source_compute="host1",
                dest_compute="host2", hidden=hidden, created_at=utcnow())))
        return uuid

    def build_request(self) -> str:
        uuid = str(uuidlib.uuid4())
        self.deployment.api_db.write(lambda conn: build_requests.create(
            conn, instance_uuid=uuid, project_id="p1", user_id="u1",
            instance={"display_name": "booting", "vm_state": "building"}, spec={}))
        return uuid


def _conf_with_placement(manage: Manage, placement_url: str, name: str = "nubes.conf") -> str:
    path = manage.write_conf(name=name)
    with open(path, "a") as f:
        f.write(f"[placement_client]\nendpoint = {placement_url}\ntoken = admin\n")
    return path


@pytest.fixture
def cloud(manage, placement, placement_server) -> Cloud:
    return Cloud(manage, placement, placement_server.url)


def test_nothing_orphaned_exits_0(cloud):
    rp1, rp2 = cloud.provider("host1"), cloud.provider("host2")
    live1, live2 = cloud.instance("cell1"), cloud.instance("cell2")
    cloud.allocate(live1, rp1)
    cloud.allocate(live2, rp2)

    result = cloud.audit()

    assert result.code == 0, result
    assert "No orphaned allocations found (2 resource provider(s), 2 consumer(s)" in result.out
    assert "Checked 2/2 resource provider(s)" in result.err  # progress, off stdout


def test_build_request_in_flight_is_not_orphaned(cloud):
    rp = cloud.provider("host1")
    building = cloud.build_request()   # mapping with no cell yet + build request
    cloud.allocate(building, rp)

    result = cloud.audit("--verbose")

    assert result.code == 0, result
    assert f"consumer {building}: in flight" in result.out


def test_unknown_consumer_is_orphaned_exits_3_and_is_listed(cloud):
    rp = cloud.provider("host1")
    live, stray = cloud.instance(), str(uuidlib.uuid4())
    cloud.allocate(live, rp)
    cloud.allocate(stray, rp)

    result = cloud.audit()

    assert result.code == 3, result
    lines = [line for line in result.out.splitlines() if line.startswith("Orphaned")]
    assert len(lines) == 1 and stray in lines[0] and rp in lines[0]
    assert "no instance mapping and no build request" in lines[0]
    assert "run again with --delete to remove them" in result.out
    assert cloud.allocations(stray)  # not deleted without --delete


def test_delete_removes_orphans_and_keeps_legitimate_allocations(cloud):
    rp1, rp2 = cloud.provider("host1"), cloud.provider("host2")
    live, building = cloud.instance(), cloud.build_request()
    stray, spread = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    cloud.allocate(live, rp1)
    cloud.allocate(building, rp2)
    cloud.allocate(stray, rp1)
    cloud.allocate(spread, rp1, rp2)   # one orphaned consumer on two providers

    result = cloud.audit("--delete")

    assert result.code == 4, result
    assert "Deleted 3 of 3 orphaned allocation(s)" in result.out
    assert cloud.allocations(stray) == {} and cloud.allocations(spread) == {}
    assert set(cloud.allocations(live)) == {rp1}
    assert set(cloud.allocations(building)) == {rp2}
    again = cloud.audit()
    assert again.code == 0, again


def test_instance_deleted_or_archived_in_its_cell_is_orphaned(cloud):
    rp = cloud.provider("host1")
    deleted = cloud.instance("cell2", deleted=True)
    archived = cloud.instance("cell1")
    archive_instance(cloud.deployment.cell_dbs["cell1"], archived)
    never_built = str(uuidlib.uuid4())
    cloud.map(never_built, None)      # mapped to no cell, and no build request
    for consumer in (deleted, archived, never_built):
        cloud.allocate(consumer, rp)

    result = cloud.audit()

    assert result.code == 3, result
    out = result.out
    assert f"consumer {deleted} " in out and "instance deleted in cell 'cell2'" in out
    assert f"consumer {archived} " in out and "instance archived" in out
    assert f"consumer {never_built} " in out and "mapped to no cell" in out
    assert "Found 3 orphaned allocation(s) of 3 consumer(s)" in out


def test_resource_provider_restricts_the_audit_and_the_delete(cloud):
    rp1, rp2 = cloud.provider("host1"), cloud.provider("host2")
    only_on_2, spread = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    cloud.allocate(only_on_2, rp2)
    cloud.allocate(spread, rp1, rp2)

    listed = cloud.audit("--resource_provider", rp1)
    assert listed.code == 3, listed
    assert only_on_2 not in listed.out and rp2 not in listed.out
    assert "Found 1 orphaned allocation(s)" in listed.out

    deleted = cloud.audit("--resource-provider", rp1, "--delete")
    assert deleted.code == 4, deleted
    assert set(cloud.allocations(spread)) == {rp2}   # only rp1's part went
    assert set(cloud.allocations(only_on_2)) == {rp2}

    assert cloud.audit("--resource_provider", rp1).code == 0


@pytest.mark.parametrize("value", ["not-a-uuid", "1234"])
def test_bad_resource_provider_uuid_exits_127(cloud, value):
    result = cloud.audit("--resource_provider", value)
    assert result.code == 127, result
    assert "is not a resource provider uuid" in result.err


def test_unknown_resource_provider_exits_127(cloud):
    cloud.provider("host1")
    result = cloud.audit("--resource_provider", str(uuidlib.uuid4()))
    assert result.code == 127, result
    assert "does not exist in placement" in result.err


def test_verbose_reports_every_check_and_progress(cloud):
    rp = cloud.provider("host1")
    live, stray = cloud.instance(), str(uuidlib.uuid4())
    cloud.allocate(live, rp)
    cloud.allocate(stray, rp)

    result = cloud.audit("--verbose")

    assert result.code == 3, result
    assert f"Checking 2 consumer(s) of resource provider {rp} (host1)" in result.out
    assert f"consumer {live}: in use (instance in cell 'cell1'" in result.out
    assert f"consumer {stray}: orphaned" in result.out
    assert "Checked 1/1 resource provider(s)" in result.out


def test_unreadable_cell_leaves_its_consumers_alone_and_exits_1(cloud):
    rp = cloud.provider("host1")
    in_cell2, stray = cloud.instance("cell2"), cloud.instance("cell1", deleted=True)
    cloud.allocate(in_cell2, rp)
    cloud.allocate(stray, rp)
    cloud.deployment.api_db.write(lambda conn: conn.execute(
        sa.update(api_models.cell_mappings).where(api_models.cell_mappings.c.name == "cell2")
        .values(database_connection=DEAD_DATABASE)))

    result = cloud.audit("--delete")

    assert result.code == 1, result
    assert "1 consumer(s) could not be checked" in result.err
    assert "dead-secret" not in result.err + result.out
    assert cloud.allocations(in_cell2)        # never deleted while unverified
    assert cloud.allocations(stray) == {}     # the rest of the audit went on


def test_placement_unreachable_exits_1(cloud, manage):
    conf = _conf_with_placement(manage, "http://127.0.0.1:1", name="dead.conf")
    result = cloud.audit(conf=conf)
    assert result.code == 1, result
    assert "placement" in result.err and "run the audit again" in result.err


def test_placement_not_configured_exits_1(cloud, manage):
    result = cloud.audit(conf=manage.write_conf(name="noplacement.conf"))
    assert result.code == 1, result
    assert "[placement_client] endpoint is not set" in result.err


@pytest.mark.parametrize("status,migration_type", [
    ("pre-migrating", "resize"), ("migrating", "migration"), ("finished", "resize"),
    ("reverting", "resize"), ("confirming", "migration"), ("running", "live-migration"),
    ("done", "evacuation")])
def test_a_moves_migration_consumer_is_in_flight(cloud, status, migration_type):
    """While a move is under way (or waits in VERIFY_RESIZE) its source
    allocation is held by the migration's uuid, which no instance mapping
    names: not an orphan, and --delete leaves it alone."""
    source, dest = cloud.provider("host1"), cloud.provider("host2")
    server = cloud.instance("cell2")
    moving = cloud.migration(server, status, cell="cell2", migration_type=migration_type)
    cloud.allocate(server, dest)
    cloud.allocate(moving, source)

    result = cloud.audit("--verbose", "--delete")

    assert result.code == 0, result
    assert f"consumer {moving}: in flight ({migration_type} migration {status} in cell " \
           "'cell2'" in result.out
    assert cloud.allocations(moving)


def test_a_cross_cell_moves_record_under_way_wins_over_its_other_copy(cloud):
    source, dest = cloud.provider("host1"), cloud.provider("host2")
    server = cloud.instance("cell2")
    add = cloud.deployment.cell_dbs["cell1"].write
    add(lambda conn: conn.execute(sa.insert(cell_models.instances).values(
        uuid=server, project_id="p1", user_id="u1", display_name="vm", vm_state="active",
        hidden=True, created_at=utcnow())))
    moving = cloud.migration(server, "finished", cell="cell2")
    cloud.deployment.cell_dbs["cell1"].write(lambda conn: conn.execute(
        sa.insert(cell_models.migrations).values(
            uuid=moving, instance_uuid=server, status="error", migration_type="resize",
            hidden=True, created_at=utcnow())))
    cloud.allocate(server, dest)
    cloud.allocate(moving, source)

    result = cloud.audit("--verbose")

    assert result.code == 0, result
    assert f"consumer {moving}: in flight" in result.out


@pytest.mark.parametrize("status", ["confirmed", "reverted", "error", "completed"])
def test_an_over_moves_migration_consumer_is_orphaned(cloud, status):
    rp = cloud.provider("host1")
    server = cloud.instance("cell1")
    over = cloud.migration(server, status)
    cloud.allocate(over, rp)

    result = cloud.audit("--delete")

    assert result.code == 4, result     # found and deleted
    assert f"resize migration {status} in cell 'cell1'" in result.out
    assert "the move is over" in result.out
    assert cloud.allocations(over) == {}


def test_an_unmapped_consumer_with_a_cell_unreadable_is_unverified(cloud):
    """It may be a move's migration in the cell that could not be read."""
    rp = cloud.provider("host1")
    stray = str(uuidlib.uuid4())
    cloud.allocate(stray, rp)
    cloud.deployment.api_db.write(lambda conn: conn.execute(
        sa.update(api_models.cell_mappings).where(api_models.cell_mappings.c.name == "cell2")
        .values(database_connection=DEAD_DATABASE)))

    result = cloud.audit("--delete")

    assert result.code == 1, result
    assert "1 consumer(s) could not be checked" in result.err
    assert "dead-secret" not in result.err + result.out
    assert cloud.allocations(stray)
