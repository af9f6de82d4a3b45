"""The block device mapping rows (``nubes.cells.repo.block_device_mappings``)
and what the cell conductor hands hosts of them
(``nubes.conductor.cell.block_devices``), on a migrated cell database of
every backend the run covers."""
from __future__ import annotations

import pytest

from nubes.cells import schema_sync
from nubes.cells.repo import block_device_mappings as repo
from nubes.cells.repo import instances
from nubes.common.db.transaction import Database
from nubes.common.rpc import envelope
from nubes.common.timeutils import utcnow
from nubes.conductor.cell import block_devices
from tests.fixtures import databases

SERVER = "5b1a7c3e-0d7e-4c55-9f39-2b3f52f0a001"


@pytest.fixture(scope="module", params=databases.backends())
def db(request):
    tmp = databases.TemporaryDatabase(request.param)
    db = Database(tmp.url)
    schema_sync.upgrade_cell(db)
    db.write(lambda conn: instances.create(conn, {"uuid": SERVER, "project_id": "p"},
                                           utcnow()))
    yield db
    db.dispose()
    tmp.drop()


def test_mappings_round_trip(db):
    now = utcnow()
    root = db.write(lambda conn: repo.create(conn, SERVER, {
        "source_type": "volume", "destination_type": "volume", "boot_index": 0,
        "volume_id": "vol-root", "attachment_id": "att-1", "device_name": "/dev/vda",
        "delete_on_termination": True, "volume_size": 1}, now))
    swap = db.write(lambda conn: repo.create(conn, SERVER, {
        "source_type": "blank", "destination_type": "local", "guest_format": "swap",
        "volume_size": 256, "device_name": "/dev/vdb"}, now))
    assert root["delete_on_termination"] is True and root["connection_info"] is None
    assert [r["uuid"] for r in db.read(lambda conn: repo.of_instance(conn, SERVER))] == [
        root["uuid"], swap["uuid"]]
    assert [r["volume_id"] for r in db.read(lambda conn: repo.volumes_of(conn, SERVER))] \
        == ["vol-root"]
    assert db.read(lambda conn: repo.instances_with_volume(conn, "vol-root")) == [SERVER]

    # What a host reads and writes through its cell conductor: plain,
    # encodable dicts; only the connection fields change.
    wire = block_devices.get(db, root["uuid"])
    assert envelope.encode_result("m", wire)
    assert "created_at" not in wire and wire["attachment_id"] == "att-1"
    info = {"driver_volume_type": "file", "data": {"path": "/x"}, "serial": "vol-root"}
    assert block_devices.update(db, root["uuid"], {"connection_info": info,
                                                   "boot_index": 5}) is True
    again = block_devices.get(db, root["uuid"])
    assert again["connection_info"] == info and again["boot_index"] == 0
    assert [b["uuid"] for b in block_devices.of_instance(db, SERVER)] == [
        root["uuid"], swap["uuid"]]

    assert block_devices.destroy(db, root["uuid"]) is True
    assert block_devices.destroy(db, root["uuid"]) is False
    assert block_devices.get(db, root["uuid"]) is None
    assert block_devices.update(db, root["uuid"], {"volume_id": "x"}) is False
    assert db.read(lambda conn: repo.of_volume(conn, SERVER, "vol-root")) is None
    assert block_devices.destroy_all(db, SERVER) == 1
    assert block_devices.of_instance(db, SERVER) == []
