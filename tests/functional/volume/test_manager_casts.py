"""The volume API's casts to the volume manager when no manager takes
them: the request is still answered as usual (the transaction committed),
the refusal is logged, and the volume stays in its transitional state for
an admin to reset (docs/volume/operations.md)."""
from __future__ import annotations

import logging
import uuid

import pytest

from nubes.common import rpc
from nubes.volume import models
from nubes.volume.api import app as volume_app
from tests.fixtures.servers import ThreadedServer
from tests.functional.volume.conftest import Volumes


@pytest.fixture
def unmanaged(volumes):
    """The same volume database behind a second API whose bus no manager
    has ever listened on."""
    transport = rpc.get_transport(f"memory://no-manager-{uuid.uuid4().hex[:8]}")
    state = volume_app.build_state(volumes.state.conf, volumes.db, transport=transport)
    try:
        with ThreadedServer(volume_app.build(state.conf, state=state)) as server:
            yield Volumes(server.url, state, volumes.volumes_dir)
    finally:
        volumes.db.write(lambda conn: [conn.execute(t.delete())
                                       for t in reversed(models.metadata.sorted_tables)
                                       if t.name != "volume_types"])
        state.close()
        transport.close()


def test_a_cast_no_manager_takes_leaves_the_volume_creating(unmanaged, caplog):
    user = unmanaged.user()
    with caplog.at_level(logging.ERROR, logger="nubes.volume.manager.rpcapi"):
        volume = unmanaged.create(user, wait=None)
    assert volume["status"] == "creating"
    assert any("cast create_volume to the volume manager" in r.getMessage()
               and "stays as it is" in r.getMessage() for r in caplog.records), caplog.text
    assert user.get(f"/volumes/{volume['id']}").json()["volume"]["status"] == "creating"
    assert unmanaged.files() == []           # nothing made it to the backend

    # The admin's way out: reset to error, then delete (the delete's cast is
    # refused too: the volume stays deleting, its row kept for the operator).
    admin = unmanaged.admin
    resp = admin.post(f"/volumes/{volume['id']}/action",
                      {"os-reset_status": {"status": "error"}})
    assert resp.status_code == 202, resp.text
    assert admin.delete(f"/volumes/{volume['id']}").status_code == 202
    assert admin.get(f"/volumes/{volume['id']}").json()["volume"]["status"] == "deleting"
