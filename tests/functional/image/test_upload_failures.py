"""What an upload does while its bytes arrive and when they stop coming.

The embedded and test servers (waitress) hand a request to the app only
once its whole body is in, so a body that stalls, breaks off or grows past
the cap mid-stream is driven here through the image service's upload
itself, with the real database and filesystem store, while the image is
watched over HTTP."""
from __future__ import annotations

import hashlib

import pytest

from nubes.common.context import RequestContext
from nubes.image import exceptions as exc
from nubes.image.service import image_data
from nubes.image.store import FilesystemStore

OWNER = RequestContext(user_id="u-p1", project_id="p1", roles=("member",))


def _queued(images) -> dict:
    return images.user("p1").create(name="disk", disk_format="raw", container_format="bare")


def _show(images, image_id: str) -> dict:
    return images.user("p1").get(f"/v2/images/{image_id}").json()


def _upload(images, image_id: str, chunks, max_size: int = 1 << 20):
    return image_data.upload(images.db, FilesystemStore(images.datadir), OWNER, image_id,
                             chunks, max_size=max_size)


def test_status_is_saving_while_bytes_arrive(images):
    image = _queued(images)
    seen = []

    def body():
        yield b"a" * 70_000
        seen.append(_show(images, image["id"]))
        # Meanwhile another upload is refused and the image cannot be re-patched
        # into having data.
        resp = images.user("p1").put(f"/v2/images/{image['id']}/file", data=b"x",
                                     headers={"Content-Type": "application/octet-stream"})
        seen.append(resp.status_code)
        yield b"b" * 70_000
    done = _upload(images, image["id"], body())
    assert seen[0]["status"] == "saving" and seen[0]["size"] is None
    assert seen[1] == 409
    data = b"a" * 70_000 + b"b" * 70_000
    assert (done.status, done.size, done.checksum) == ("active", len(data),
                                                       hashlib.md5(data).hexdigest())
    assert _show(images, image["id"])["status"] == "active"


def test_a_broken_body_leaves_the_image_queued_without_data(images):
    image = _queued(images)

    def body():
        yield b"x" * 100_000
        assert images.stored_files() and images.stored_files()[0].endswith(".part")
        raise ConnectionResetError("client went away")
    with pytest.raises(ConnectionResetError):
        _upload(images, image["id"], body())
    shown = _show(images, image["id"])
    assert (shown["status"], shown["size"], shown["checksum"]) == ("queued", None, None)
    assert images.stored_files() == []
    # ... and can be uploaded again.
    assert _upload(images, image["id"], [b"fine"]).size == 4


def test_the_cap_applies_to_bytes_of_unstated_length(images):
    image = _queued(images)
    with pytest.raises(exc.TooLarge) as raised:
        _upload(images, image["id"], iter([b"y" * 600, b"y" * 600]), max_size=1000)
    assert str(raised.value) == "Denying attempt to upload image larger than 1000 bytes."
    assert _show(images, image["id"])["status"] == "queued"
    assert images.stored_files() == []


def test_an_image_deleted_during_its_upload(images):
    image = _queued(images)

    def body():
        yield b"z" * 1000
        resp = images.user("p1").delete(f"/v2/images/{image['id']}")
        assert resp.status_code == 204
        yield b"z" * 1000
    with pytest.raises(exc.Gone):
        _upload(images, image["id"], body())
    assert images.user("p1").get(f"/v2/images/{image['id']}").status_code == 404
    assert images.stored_files() == []


def test_an_unwritable_store_is_503_and_the_image_stays_queued(images, tmp_path):
    image = _queued(images)
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the data directory should be")
    with pytest.raises(exc.Unavailable):
        image_data.upload(images.db, FilesystemStore(str(blocked)), OWNER, image["id"],
                          [b"data"], max_size=100)
    assert _show(images, image["id"])["status"] == "queued"
