"""``/images/{id}/metadata[/{key}]`` (2.1-2.35): an image's custom
properties through the image API.  POST merges, PUT replaces them all;
``PUT /metadata/{key}`` sets one (the body's one key must be the URL's);
the image's metadata may hold at most the project's ``metadata_items``."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.handlers.images import window
from nubes.api.compute.schemas import image_metadata as schema
from nubes.api.compute.service import images as service
from nubes.common.wsgi import errors


def list_metadata(req, resp, image_id: str) -> None:
    window(req)
    image = service.get_image(respond.state(req), respond.ctx(req), image_id)
    respond.send(resp, {"metadata": dict(image.properties)})


def _update(req, resp, image_id: str, *, replace: bool) -> None:
    window(req)
    body = respond.read_body(req, schema.METADATA)
    metadata = service.update_metadata(respond.state(req), respond.ctx(req), image_id,
                                       body["metadata"], replace=replace)
    respond.send(resp, {"metadata": metadata})


def create_metadata(req, resp, image_id: str) -> None:
    _update(req, resp, image_id, replace=False)


def replace_metadata(req, resp, image_id: str) -> None:
    _update(req, resp, image_id, replace=True)


def show_metadata_item(req, resp, image_id: str, key: str) -> None:
    window(req)
    image = service.get_image(respond.state(req), respond.ctx(req), image_id)
    if key not in image.properties:
        raise errors.NotFound("Invalid metadata key")
    respond.send(resp, {"meta": {key: image.properties[key]}})


def update_metadata_item(req, resp, image_id: str, key: str) -> None:
    window(req)
    meta = respond.read_body(req, schema.META)["meta"]
    if key not in meta:
        raise errors.BadRequest("Request body and URI mismatch")
    service.update_metadata(respond.state(req), respond.ctx(req), image_id, meta,
                            replace=False)
    respond.send(resp, {"meta": meta})


def delete_metadata_item(req, resp, image_id: str, key: str) -> None:
    window(req)
    service.delete_metadata_item(respond.state(req), respond.ctx(req), image_id, key)
    respond.empty(resp, 204)
