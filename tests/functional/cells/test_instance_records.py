"""The cell conductor's one-transaction steps: an instance update together
with the start or finish of an action event (what a compute agent's build
sends), and a migration's last status with its instance's vm_state (a
confirm), on every backend."""
from __future__ import annotations

import uuid as uuidlib

import pytest
import sqlalchemy as sa

from nubes.cells.cell_db import models as cell_models
from nubes.cells.repo import instance_actions, instances
from nubes.cells.repo import migrations as migrations_repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.conductor.cell import instances as instance_records
from nubes.conductor.cell import migrations as migration_records
from nubes.conductor.cell.messages import (InstanceNotFound, MigrationNotFound,
                                           UnexpectedTaskState)

EVENT = "compute__do_build_and_run_instance"


@pytest.fixture
def cell(deployment):
    return deployment.cell_dbs["cell1"]


def _building(db, ctx) -> str:
    uuid = str(uuidlib.uuid4())

    def work(conn):
        now = utcnow()
        instances.create(conn, {"uuid": uuid, "project_id": "p1", "user_id": "u1",
                                      "vm_state": "building", "task_state": "scheduling"},
                               now)
        instance_actions.start_action(conn, uuid, "create", request_id=ctx.request_id,
                                     user_id="u1", project_id="p1", now=now)
    db.write(work)
    return uuid


def _action_and_events(db, uuid):
    actions, events = cell_models.instance_actions, cell_models.instance_actions_events

    def work(conn):
        action = conn.execute(sa.select(actions).where(actions.c.instance_uuid == uuid)).one()
        evs = conn.execute(sa.select(events).where(events.c.action_id == action.id)
                           .order_by(events.c.id)).all()
        return action, evs
    return db.read(work)


def test_start_then_finish_writes_state_event_and_action(cell):
    ctx = RequestContext(request_id="req-build-1")
    uuid = _building(cell, ctx)

    instance_records.update_with_event(
        cell, ctx, uuid, {"task_state": "spawning", "host": "h1"}, event=EVENT,
        phase="start", host="h1", expected_task_state=["scheduling", None],
        expected_vm_state=["building"])
    row = cell.read(lambda conn: instances.get(conn, uuid))
    assert (row["task_state"], row["host"]) == ("spawning", "h1")
    action, (event,) = _action_and_events(cell, uuid)
    assert event.event == EVENT and event.start_time is not None
    assert event.finish_time is None and action.finish_time is None

    instance_records.update_with_event(
        cell, ctx, uuid, {"vm_state": "active", "task_state": None}, event=EVENT,
        phase="finish", host="h1", finish_action=True, expected_task_state=["spawning"])
    row = cell.read(lambda conn: instances.get(conn, uuid))
    assert (row["vm_state"], row["task_state"]) == ("active", None)
    action, (event,) = _action_and_events(cell, uuid)
    assert (event.result, event.traceback) == ("Success", None)
    assert event.finish_time is not None
    assert action.finish_time is not None and action.message is None


def test_unexpected_state_updates_nothing_and_fails_the_event(cell):
    ctx = RequestContext(request_id="req-build-2")
    uuid = _building(cell, ctx)
    cell.write(lambda conn: instances.update(conn, uuid, {"task_state": "deleting"},
                                                   utcnow()))

    with pytest.raises(UnexpectedTaskState):
        instance_records.update_with_event(
            cell, ctx, uuid, {"task_state": "spawning"}, event=EVENT, phase="start",
            host="h1", expected_task_state=["scheduling", None])
    row = cell.read(lambda conn: instances.get(conn, uuid))
    assert row["task_state"] == "deleting"
    action, (event,) = _action_and_events(cell, uuid)
    assert event.result == "Error" and "UnexpectedTaskState" in event.traceback
    assert action.finish_time is not None and action.message == "Error"


def test_deleted_instance_raises_not_found_after_recording_the_error(cell):
    ctx = RequestContext(request_id="req-build-3")
    uuid = _building(cell, ctx)
    cell.write(lambda conn: instances.update(conn, uuid, {"task_state": "spawning"},
                                                   utcnow()))
    instance_records.destroy(cell, uuid)

    with pytest.raises(InstanceNotFound):
        instance_records.update_with_event(
            cell, ctx, uuid, {"vm_state": "active", "task_state": None}, event=EVENT,
            phase="finish", host="h1", finish_action=True,
            expected_task_state=["spawning"])
    _, (event,) = _action_and_events(cell, uuid)
    assert event.result == "Error" and "InstanceNotFound" in event.traceback


def test_bad_phase_is_refused_before_any_write(cell):
    ctx = RequestContext(request_id="req-build-4")
    uuid = _building(cell, ctx)
    with pytest.raises(ValueError):
        instance_records.update_with_event(cell, ctx, uuid, {"task_state": "spawning"},
                                           event=EVENT, phase="middle", host="h1")
    assert cell.read(lambda conn: instances.get(conn, uuid))["task_state"] == \
        "scheduling"


def _resized_with_migration(db, vm_state="resized") -> tuple[str, str]:
    uuid, migration = str(uuidlib.uuid4()), str(uuidlib.uuid4())

    def work(conn):
        now = utcnow()
        instances.create(conn, {"uuid": uuid, "project_id": "p1", "user_id": "u1",
                                "vm_state": vm_state, "task_state": None}, now)
        migrations_repo.create(conn, {"uuid": migration, "instance_uuid": uuid,
                                      "status": "confirming", "migration_type": "resize",
                                      "source_compute": "h1", "dest_compute": "h2"}, now)
    db.write(work)
    return uuid, migration


def test_a_confirm_ends_the_migration_and_verify_resize_in_one_transaction(cell):
    uuid, migration = _resized_with_migration(cell)
    done = migration_records.update(cell, migration, {"status": "confirmed"}, ["confirming"],
                                    instance={"values": {"vm_state": "active"},
                                              "expected_vm_state": ["resized"]})
    assert done.status == "confirmed"
    assert cell.read(lambda conn: instances.get(conn, uuid))["vm_state"] == "active"
    # A second confirm changes nothing (the migration is no longer confirming).
    with pytest.raises(MigrationNotFound):
        migration_records.update(cell, migration, {"status": "confirmed"}, ["confirming"],
                                 instance={"values": {"vm_state": "stopped"},
                                           "expected_vm_state": ["resized", "active"]})
    assert cell.read(lambda conn: instances.get(conn, uuid))["vm_state"] == "active"


def test_a_confirm_of_a_server_no_longer_resized_still_ends_the_migration(cell):
    uuid, migration = _resized_with_migration(cell, vm_state="error")
    with pytest.raises(UnexpectedTaskState):
        migration_records.update(cell, migration, {"status": "confirmed"}, ["confirming"],
                                 instance={"values": {"vm_state": "active"},
                                           "expected_vm_state": ["resized"]})
    assert migration_records.get(cell, migration).status == "confirmed"
    assert cell.read(lambda conn: instances.get(conn, uuid))["vm_state"] == "error"


def test_moves_in_flight_at_a_host_come_in_pages(cell):
    """A host's start-up reconcile reads every move it was in, a page at a
    time (a host in more moves than one page holds loses none)."""
    made = []
    for _ in range(5):
        uuid, migration = _resized_with_migration(cell)
        made.append(migration)
    # Another host's move is not this host's.
    other = _resized_with_migration(cell)[1]
    cell.write(lambda conn: migrations_repo.set_status(
        conn, other, {"source_compute": "h8", "dest_compute": "h9"}, utcnow()))
    seen, after = [], 0
    while True:
        page = migration_records.in_flight_at(cell, "h1", 2, after)
        seen += [m["uuid"] for m in page]
        if len(page) < 2:
            break
        after = page[-1]["id"]
    assert [u for u in seen if u in made] == made and other not in seen
    assert len(seen) == len(set(seen))
