"""A volume force-deleted while the manager is still making it leaves no
file in the backend: the delete cannot know a location yet (the API casts
none), so the manager's own work notices the volume is gone or going once
the backend made it and removes what it made.

The race is driven deterministically: the API here has no manager on its
bus (its casts are refused), the test runs the manager's work functions
itself on the real database and file backend, and the force-delete comes
from a hook on the backend driver (the true edge) at the moment the file
has just been made."""
from __future__ import annotations

import uuid

import pytest
import requests

from nubes.common import rpc
from nubes.volume import models
from nubes.volume.api import app as volume_app
from nubes.volume.backends import Backends
from nubes.volume.manager import volume_work
from nubes.volume.manager.messages import Fill, ImageRef
from nubes.volume.manager.work import Work
from tests.fixtures.servers import ThreadedServer
from tests.functional.volume.conftest import Volumes

ADMIN = {"X-Auth-Token": "admin"}


@pytest.fixture
def unmanaged(volumes):
    """The volume database behind a second API whose bus no manager
    listens on: a create stays ``creating`` until the test makes it."""
    transport = rpc.get_transport(f"memory://race-{uuid.uuid4().hex[:8]}")
    state = volume_app.build_state(volumes.state.conf, volumes.db, transport=transport)
    try:
        with ThreadedServer(volume_app.build(state.conf, state=state)) as server:
            yield Volumes(server.url, state, volumes.volumes_dir, volumes.image_url)
    finally:
        volumes.db.write(lambda conn: [conn.execute(t.delete())
                                       for t in reversed(models.metadata.sorted_tables)
                                       if t.name != "volume_types"])
        state.close()
        transport.close()


class _HookedDriver:
    """The real driver; ``after_create`` runs once the file exists."""

    def __init__(self, driver, after_create):
        self._driver, self._after_create = driver, after_create

    def __getattr__(self, name):
        return getattr(self._driver, name)

    def create_volume(self, volume_id, size_gb, pool):
        location = self._driver.create_volume(volume_id, size_gb, pool)
        self._after_create(volume_id, location)
        return location


class _HookedBackends(Backends):
    def __init__(self, real: Backends, after_create):
        super().__init__(list(real.drivers.values()))
        self._after_create = after_create

    def driver_for(self, host):
        return _HookedDriver(super().driver_for(host), self._after_create)


def _work(volumes: Volumes, after_create) -> Work:
    """The manager's work on the real backends (hooked) and database, with
    the in-process manager's image client."""
    return Work(_HookedBackends(Backends.from_conf(volumes.state.conf), after_create),
                volumes.db, volumes.state.manager.work.images)


def _force_delete(unmanaged: Volumes, volume_id: str) -> None:
    resp = unmanaged.admin.post(f"/volumes/{volume_id}/action", {"os-force_delete": {}})
    assert resp.status_code == 202, resp.text
    assert unmanaged.row(volume_id).status == "deleting"


def _creating(unmanaged: Volumes, **fields) -> dict:
    volume = unmanaged.create(unmanaged.user(), wait=None, **fields)
    assert volume["status"] == "creating"
    assert unmanaged.row(volume["id"]).host
    return volume


@pytest.mark.parametrize("removed_first", [True, False])
def test_force_delete_while_the_file_is_made(unmanaged, volumes, removed_first):
    """``removed_first``: the manager's delete work (its cast, with no
    location) ran before the create finished, so the row is already gone;
    otherwise it is still ``deleting`` and the delete comes after."""
    volume = _creating(unmanaged)
    seen = []

    def race(volume_id, location):
        seen.append(location)
        _force_delete(unmanaged, volume_id)
        if removed_first:
            volume_work.remove(work, volume_id, None)
            assert unmanaged.row(volume_id) is None
    work = _work(volumes, race)
    volume_work.make(work, volume["id"], Fill())
    assert seen and seen[0].endswith(volume["id"])
    if not removed_first:
        volume_work.remove(work, volume["id"], None)
    assert unmanaged.row(volume["id"]) is None
    assert unmanaged.files() == []


def test_force_delete_before_the_image_is_written(unmanaged, volumes):
    """A volume from an image: the force-delete lands between the file
    being made and the download (``downloading``): nothing is downloaded
    and the file goes."""
    image = requests.post(f"{volumes.image_url}/v2/images", json={
        "name": "race-img", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"}, headers=ADMIN, timeout=30).json()
    resp = requests.put(f"{volumes.image_url}/v2/images/{image['id']}/file",
                        data=b"x" * 4096, timeout=30,
                        headers={**ADMIN, "Content-Type": "application/octet-stream"})
    assert resp.status_code == 204, resp.text
    volume = _creating(unmanaged, imageRef=image["id"])
    work = _work(volumes, lambda volume_id, _location: _force_delete(unmanaged, volume_id))
    volume_work.make(work, volume["id"], Fill(
        image=ImageRef(id=image["id"], disk_format="raw"), token=ADMIN["X-Auth-Token"]))
    assert unmanaged.row(volume["id"]).status == "deleting"
    assert unmanaged.files() == []
    volume_work.remove(work, volume["id"], None)
    assert unmanaged.row(volume["id"]) is None


def test_an_undisturbed_create_keeps_its_file(unmanaged, volumes):
    volume = _creating(unmanaged)
    volume_work.make(_work(volumes, lambda *_: None), volume["id"], Fill())
    row = unmanaged.row(volume["id"])
    assert row.status == "available" and row.provider_location.endswith(volume["id"])
    (made,) = unmanaged.files()
    assert row.provider_location.endswith(made)
