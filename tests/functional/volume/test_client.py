"""The typed volume client compute will use: nova's attach and detach
flow, step by step, over real HTTP."""
from __future__ import annotations

import uuid

import pytest

from nubes.volume.client import VolumeClient, VolumeClientError, VolumeNotFound


def test_attach_and_detach_flow(volumes):
    client = VolumeClient(volumes.url, token="admin")
    vol = client.create_volume(1, name="from-client")
    assert vol.status == "creating"
    volumes.wait(volumes.admin, vol.id, "available")
    server = str(uuid.uuid4())
    att = client.attachment_create(vol.id, instance_uuid=server)
    assert att.status == "reserved" and att.connection_info == {}
    att = client.attachment_update(att.id, {"host": "h1", "mountpoint": "/dev/vdb"})
    assert att.connection_info["driver_volume_type"] == "file"
    client.attachment_complete(att.id)
    shown = client.get_volume(vol.id)
    assert shown.status == "in-use" and shown.attachments[0]["server_id"] == server
    assert [a.id for a in client.attachments_of(instance_uuid=server)] == [att.id]
    with pytest.raises(VolumeClientError) as err:
        client.attachment_create(vol.id, instance_uuid=str(uuid.uuid4()))
    assert err.value.status == 400 and "status must be available" in str(err.value)
    client.begin_detaching(vol.id)
    assert client.attachment_delete(att.id) is True
    assert client.attachment_delete(att.id) is False
    assert client.get_volume(vol.id).status == "available"
    assert client.get_volume(str(uuid.uuid4())) is None
    with pytest.raises(VolumeNotFound):
        client.attachment_update(str(uuid.uuid4()), {"host": "h"})
    assert client.delete_volume(vol.id) is True
    client.close()


class _Rotating:
    """A service token source with no token at first (the volume API
    answers 401, as to a revoked one); :meth:`refresh` gives a good one."""

    def __init__(self):
        self.current, self.refreshed = None, []

    def token(self):
        return self.current

    def refresh(self, stale):
        self.refreshed.append(stale)
        self.current = "admin"
        return self.current


def test_calls_without_a_callers_token_carry_the_services(volumes):
    """A host's own calls (no caller's token) go with the service's token,
    renewed once after a 401; a caller's token is sent as it is."""
    auth = _Rotating()
    client = VolumeClient(volumes.url, auth=auth)
    vol = client.create_volume(1, name="by-the-service")
    assert auth.refreshed == [None]
    volumes.wait(volumes.admin, vol.id, "available")
    assert client.get_volume(vol.id).id == vol.id
    assert auth.refreshed == [None]
    # A caller's token is sent as it is (noauth2: no identity with this one).
    with pytest.raises(VolumeClientError) as err:
        client.get_volume(vol.id, token="someone-else")
    assert err.value.status == 403
    # No token of its own (as the hosts had before): the volume API refuses.
    with pytest.raises(VolumeClientError) as err:
        VolumeClient(volumes.url).get_volume(vol.id)
    assert err.value.status == 401
    assert client.delete_volume(vol.id) is True
    client.close()
