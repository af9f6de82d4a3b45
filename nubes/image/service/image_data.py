"""Image data: upload (``PUT /v2/images/{id}/file``), download, and the
deactivate/reactivate actions that gate downloads.

An upload moves a ``queued`` image to ``saving`` with one conditional
UPDATE (of two uploads racing, exactly one wins; the other is a 409),
streams the bytes to the store, then makes the image ``active`` with its
size, md5 ``checksum``, ``os_hash_algo``/``os_hash_value`` and the store's
location, again only while it is still ``saving``.  Anything that stops the
upload on the way (too large, a store error, a broken body) removes what
was written and puts the image back to ``queued``; an image deleted while
its data was arriving gets its data removed and the upload a 410.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Iterable, Iterator

from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database
from nubes.image import exceptions as exc
from nubes.image import store as stores
from nubes.image.repo import images as repo
from nubes.image.repo.images import ImageRecord
from nubes.image.service import images

LOG = logging.getLogger(__name__)


def _too_large(max_size: int) -> exc.TooLarge:
    return exc.TooLarge(f"Denying attempt to upload image larger than {max_size} bytes.")


def _start_saving(conn, ctx: RequestContext, image_id: str) -> None:
    image = images.fetch(conn, ctx, image_id)
    if image.status == "queued":
        missing = [k for k in ("disk_format", "container_format") if not getattr(image, k)]
        if missing:
            noun = "Property" if len(missing) == 1 else "Properties"
            raise exc.Invalid(f"{noun} {', '.join(missing)} must be set prior to saving "
                              "data.")
        if repo.update_if_status(conn, image_id, ("queued",), {"status": "saving"}):
            return
        image = repo.get(conn, image_id) or image
    raise exc.Conflict(f"Image status transition from {image.status} to saving is not "
                       "allowed")


def _back_to_queued(db: Database, image_id: str) -> None:
    try:
        db.write(lambda conn: repo.update_if_status(conn, image_id, ("saving",),
                                                    {"status": "queued"}))
    except Exception:  # the original failure is the one to report
        LOG.exception("could not put image %s back to queued after a failed upload",
                      image_id)


def _store_failure(error: stores.StoreError, max_size: int) -> exc.ImageError:
    if isinstance(error, stores.TooLarge):
        return _too_large(max_size)
    if isinstance(error, stores.StoreFull):
        return exc.TooLarge("Image storage media is full.")
    if isinstance(error, stores.WriteDenied):
        return exc.Unavailable("Insufficient permissions on image storage media.")
    return exc.Unavailable("The image store could not keep the data.")


def upload(db: Database, store: stores.Store, ctx: RequestContext, image_id: str,
           chunks: Iterable[bytes], *, max_size: int,
           declared_size: int | None = None) -> ImageRecord:
    """Store ``chunks`` as the data of a queued image the caller may see
    and make it active; ``declared_size`` (the Content-Length) over
    ``max_size`` is refused before anything changes."""
    if declared_size is not None and declared_size > max_size:
        raise _too_large(max_size)
    db.write(lambda conn: _start_saving(conn, ctx, image_id))
    try:
        written = store.add(image_id, chunks, max_size=max_size)
    except stores.StoreError as error:
        LOG.info("upload of image %s failed: %s", image_id, error)
        _back_to_queued(db, image_id)
        raise _store_failure(error, max_size) from None
    except BaseException:
        _back_to_queued(db, image_id)
        raise

    values = {"status": "active", "size": written.size, "checksum": written.checksum,
              "os_hash_algo": written.os_hash_algo, "os_hash_value": written.os_hash_value,
              "location": written.location}

    def finish(conn):
        if not repo.update_if_status(conn, image_id, ("saving",), values):
            return None
        return repo.get(conn, image_id)
    try:
        done = db.write(finish)
    except BaseException:
        store.delete(written.location)
        _back_to_queued(db, image_id)
        raise
    if done is None:
        store.delete(written.location)
        raise exc.Gone(f"Image {image_id} could not be found after upload. The image may "
                       "have been deleted during the upload.")
    return done


# --- download ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ImageData:
    """An image's stored data, ready to be read in whole or in part."""
    image: ImageRecord
    size: int
    store: stores.Store

    def read(self, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        try:
            return self.store.get(self.image.location, offset=offset, length=length)
        except stores.NotStored:
            raise _data_missing(self.image.id) from None
        except stores.StoreError as error:
            LOG.error("cannot read the data of image %s: %s", self.image.id, error)
            raise exc.Unavailable("The image store could not serve the data.") from None


def _data_missing(image_id: str) -> exc.NotFound:
    return exc.NotFound(f"Image data for image {image_id} was not found in its store.")


def download(db: Database, store: stores.Store, ctx: RequestContext, image_id: str
             ) -> ImageData | None:
    """The data of an image the caller may see; None when it has none.
    A deactivated image's data is for admins only."""
    image = images.get(db, ctx, image_id)
    if image.status == "deactivated" and not ctx.is_admin:
        raise exc.Forbidden("The requested image has been deactivated. Image data download "
                            "is forbidden.")
    if image.location is None:
        return None
    try:
        size = store.size(image.location)
    except stores.NotStored:
        raise _data_missing(image_id) from None
    return ImageData(image=image, size=size, store=store)


# --- deactivate / reactivate ----------------------------------------------------------

def _set_active(db: Database, ctx: RequestContext, image_id: str, target: str,
                verb: str) -> None:
    def work(conn):
        image = images.fetch(conn, ctx, image_id)
        if image.status == target:
            return
        if image.status not in ("active", "deactivated") or not repo.update_if_status(
                conn, image_id, (image.status,), {"status": target}):
            raise exc.Invalid(f"Not allowed to {verb} image in status '{image.status}'")
    db.write(work)


def deactivate(db: Database, ctx: RequestContext, image_id: str) -> None:
    """active -> deactivated (an already deactivated image stays so)."""
    _set_active(db, ctx, image_id, "deactivated", "deactivate")


def reactivate(db: Database, ctx: RequestContext, image_id: str) -> None:
    """deactivated -> active (an already active image stays so)."""
    _set_active(db, ctx, image_id, "active", "reactivate")
