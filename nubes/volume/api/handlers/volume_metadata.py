"""``/volumes/{id}/metadata``: show, add to, replace; one key at a time."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.volume.api.handlers import respond
from nubes.volume.api.policies import volumes as rules
from nubes.volume.api.schemas import volumes as schemas
from nubes.volume.api.service import volumes as service


def show_metadata(req, resp, volume_id, project_id=None) -> None:
    respond.authorize(req, rules.METADATA_GET)
    metadata = service.get_metadata(respond.db(req), respond.ctx(req), volume_id)
    respond.send(resp, {"metadata": metadata})


def add_metadata(req, resp, volume_id, project_id=None) -> None:
    respond.authorize(req, rules.METADATA_CREATE)
    data = respond.read_body(req, schemas.METADATA)["metadata"]
    metadata = service.set_metadata(respond.db(req), respond.ctx(req), volume_id, data,
                                    replace=False)
    respond.send(resp, {"metadata": metadata})


def replace_metadata(req, resp, volume_id, project_id=None) -> None:
    respond.authorize(req, rules.METADATA_UPDATE)
    data = respond.read_body(req, schemas.METADATA)["metadata"]
    metadata = service.set_metadata(respond.db(req), respond.ctx(req), volume_id, data,
                                    replace=True)
    respond.send(resp, {"metadata": metadata})


def show_metadata_key(req, resp, volume_id, key, project_id=None) -> None:
    respond.authorize(req, rules.METADATA_GET)
    metadata = service.get_metadata(respond.db(req), respond.ctx(req), volume_id)
    if key not in metadata:
        raise errors.NotFound(f"Volume {volume_id} has no metadata with key {key}.")
    respond.send(resp, {"meta": {key: metadata[key]}})


def set_metadata_key(req, resp, volume_id, key, project_id=None) -> None:
    respond.authorize(req, rules.METADATA_UPDATE)
    data = respond.read_body(req, schemas.META_ITEM)["meta"]
    if key not in data:
        raise errors.BadRequest("Request body and URI mismatch")
    service.set_metadata(respond.db(req), respond.ctx(req), volume_id, data, replace=False)
    respond.send(resp, {"meta": data})


def delete_metadata_key(req, resp, volume_id, key, project_id=None) -> None:
    respond.authorize(req, rules.METADATA_DELETE)
    service.delete_metadata_key(respond.db(req), respond.ctx(req), volume_id, key)
    respond.empty(resp, 200)
