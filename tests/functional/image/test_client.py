"""``nubes.image.client``, as the compute API uses it for snapshots: create
a record, upload bytes, download them, delete; over HTTP and in-process
(the embedded cloud's way)."""
from __future__ import annotations

import hashlib

import pytest

from nubes.common import config, local_wsgi
from nubes.image import app as image_app
from nubes.image.client import ImageClient, ImageClientError, ImageNotFound

IN_PROCESS = "http://image.in-process.invalid:9292"


@pytest.fixture(params=["http", "in-process"])
def client(request, images):
    if request.param == "http":
        endpoint = images.url
    else:
        conf = config.load(overrides={
            "api": {"auth_strategy": "noauth2"},
            "image_database": {"connection": images.db.url},
            "image_store": {"filesystem_store_datadir": images.datadir}})
        local_wsgi.register(IN_PROCESS, image_app.build(conf, images.db))
        request.addfinalizer(lambda: local_wsgi.unregister(IN_PROCESS))
        endpoint = IN_PROCESS
    made = ImageClient(endpoint, token="admin")
    yield made
    made.close()


def test_snapshot_round_trip(client, images):
    snap = client.create(name="snap", disk_format="qcow2", container_format="bare",
                         visibility="private", min_disk=1,
                         properties={"image_type": "snapshot", "instance_uuid": "i-1"})
    assert (snap.status, snap.size, snap.disk_format, snap.visibility) == (
        "queued", None, "qcow2", "private")
    assert snap.properties == {"image_type": "snapshot", "instance_uuid": "i-1"}
    assert client.download(snap.id) is None
    data = bytes(range(256)) * 1000
    client.upload(snap.id, (data[i:i + 10_000] for i in range(0, len(data), 10_000)))
    shown = client.get_image(snap.id)
    assert (shown.status, shown.size, shown.checksum) == (
        "active", len(data), hashlib.md5(data).hexdigest())
    assert b"".join(client.download(snap.id)) == data
    assert images.stored_files() == [snap.id]
    with pytest.raises(ImageClientError) as again:
        client.upload(snap.id, b"more")
    assert again.value.status == 409
    assert client.delete(snap.id) is True
    assert client.delete(snap.id) is False
    assert images.stored_files() == []
    with pytest.raises(ImageNotFound):
        client.upload(snap.id, b"x")
    with pytest.raises(ImageNotFound):
        client.download("not-a-uuid")


def test_the_callers_token_is_forwarded(client):
    # noauth2: "admin:<project>" is an admin acting in <project>, which owns
    # what it creates; the client's own token ("admin") would give "admin".
    made = client.create(name="theirs", disk_format="raw", container_format="bare",
                         token="admin:p7")
    assert made.owner == "p7"
    assert client.create(name="ours", disk_format="raw", container_format="bare"
                         ).owner == "admin"
    with pytest.raises(ImageClientError) as refused:
        client.create(name="bad", disk_format="floppy", container_format="bare")
    assert refused.value.status == 400
