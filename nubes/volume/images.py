"""The volume service's side of the image API, through the typed image
client compute uses: look an image up for a new volume, write its data
into the volume, upload a volume's data as a new image."""
from __future__ import annotations

import dataclasses
import logging

import requests
from requests.adapters import HTTPAdapter

from nubes.image.client import ImageClient, ImageClientError
from nubes.volume import exceptions as exc

LOG = logging.getLogger(__name__)
INVALID_IMAGE = "Invalid image identifier or unable to access requested image."
# Image fields a volume made from the image shows in volume_image_metadata.
_SHOWN = ("name", "size", "checksum", "min_ram", "min_disk", "disk_format",
          "container_format")


@dataclasses.dataclass(frozen=True)
class Image:
    """The parts of an image record a volume made from it needs."""
    id: str
    status: str
    size: int | None
    min_disk: int
    disk_format: str | None
    container_format: str | None
    metadata: dict[str, str]     # the volume's volume_image_metadata


def client(conf) -> ImageClient | None:
    """The image API's client, over HTTP even where this process serves the
    image API itself (the in-process session holds whole bodies: a volume's
    data must stream).  None when no image endpoint is configured."""
    endpoint = conf.image_client.endpoint or conf.identity.image_endpoint
    if not endpoint:
        return None
    session = requests.Session()
    session.proxies.update(requests.utils.get_environ_proxies(endpoint))
    session.trust_env = False
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return ImageClient(endpoint, token=conf.image_client.token,
                       timeout=conf.image_client.timeout, session=session)


def lookup(images: ImageClient | None, image_id: str, *, token: str | None,
           request_id: str | None) -> Image:
    """The image a volume is to be made from; the 400 when the caller
    cannot see it (or there is no image API)."""
    if images is None:
        raise exc.Invalid(INVALID_IMAGE)
    try:
        found = images.get_image(image_id, token=token, request_id=request_id)
    except ImageClientError as error:
        LOG.warning("image %s could not be looked up: %s", image_id, error)
        raise exc.Invalid(INVALID_IMAGE) from None
    if found is None:
        raise exc.Invalid(INVALID_IMAGE)
    metadata = {"image_id": found.id}
    for field in _SHOWN:
        value = getattr(found, field)
        if value is not None:
            metadata["image_name" if field == "name" else field] = str(value)
    for key, value in found.properties.items():
        if isinstance(value, (str, int, float, bool)):
            metadata[key] = str(value)
    return Image(id=found.id, status=found.status, size=found.size,
                 min_disk=found.min_disk, disk_format=found.disk_format,
                 container_format=found.container_format, metadata=metadata)


def write_into(images: ImageClient | None, driver, location: str, image: Image, *,
               token: str | None, request_id: str | None) -> None:
    """Download the image's data into the volume (converted to raw)."""
    if images is None:
        raise exc.BackendError("No image API is configured to fetch the image from.")
    try:
        chunks = images.download(image.id, token=token, request_id=request_id)
        if chunks is None:
            raise exc.BackendError(f"Image {image.id} has no data.")
        driver.write_image(location, chunks, image.disk_format or "raw")
    except (ImageClientError, requests.RequestException) as error:
        # (a connection that breaks while the data streams is a requests error)
        raise exc.BackendError(f"Image {image.id} could not be downloaded: {error}") from None


def upload(images: ImageClient | None, driver, location: str, image_id: str,
           disk_format: str, *, token: str | None, request_id: str | None) -> None:
    """Stream the volume's data (as ``disk_format``) into the queued image."""
    if images is None:
        raise exc.BackendError("No image API is configured to upload the volume to.")
    try:
        images.upload(image_id, driver.read_image(location, disk_format), token=token,
                      request_id=request_id)
    except (ImageClientError, requests.RequestException) as error:
        raise exc.BackendError(f"Uploading to image {image_id} failed: {error}") from None


def create_image(images: ImageClient | None, *, name: str, disk_format: str,
                 container_format: str, visibility: str | None, protected: bool,
                 min_disk: int, properties: dict, token: str | None,
                 request_id: str | None):
    """A new queued image for a volume's upload; the 400 the image API's
    refusal is."""
    if images is None:
        raise exc.Invalid("No image API is configured.")
    try:
        body = {**properties, **({"protected": True} if protected else {})}
        return images.create(name=name, disk_format=disk_format,
                             container_format=container_format, visibility=visibility,
                             min_disk=min_disk, properties=body, token=token,
                             request_id=request_id)
    except ImageClientError as error:
        raise exc.Invalid(f"Invalid input received: {error}") from None


def delete_image(images: ImageClient | None, image_id: str, *, token: str | None) -> None:
    if images is None:
        return
    try:
        images.delete(image_id, token=token)
    except ImageClientError as error:
        LOG.warning("image %s could not be deleted: %s", image_id, error)
