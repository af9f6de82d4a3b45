"""``POST /volumes/{id}/action``: one table, action name → (schema,
runner); a body naming no known action is a 400."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.volume.api import microversions as mv
from nubes.volume.api.handlers import respond
from nubes.volume.api.policies import volumes as rules
from nubes.volume.api.schemas import volume_actions as schemas
from nubes.volume.api.schemas.common import as_bool, as_int
from nubes.volume.api.service import volume_actions as service
from nubes.volume.api.service import volume_upload
from nubes.volume.api.service import volumes as volume_service
from nubes.volume.api.views import volume_types as type_views
from nubes.volume.api.views.common import timestamp


def _extend(req, volume_id, body) -> int:
    new_size = as_int(body["new_size"])
    if new_size < 1:
        raise errors.BadRequest("Invalid input received: new_size must be greater than 0.")
    in_use = respond.version(req) >= mv.EXTEND_IN_USE
    record = volume_service.get(respond.db(req), respond.ctx(req), volume_id)
    target = {"project_id": record.project_id}
    respond.authorize(req, rules.EXTEND_ATTACHED if record.status == "in-use" else rules.EXTEND,
                      target)
    service.extend(respond.state(req), respond.ctx(req), volume_id, new_size,
                   in_use_allowed=in_use)
    return 202


def _set_bootable(req, volume_id, body) -> int:
    respond.authorize(req, rules.BOOTABLE)
    service.set_bootable(respond.db(req), respond.ctx(req), volume_id,
                         as_bool(body["bootable"]))
    return 200


def _reset_status(req, volume_id, body) -> int:
    respond.authorize(req, rules.RESET_STATUS)
    service.reset_status(respond.db(req), respond.ctx(req), volume_id, dict(body))
    return 202


def _force_delete(req, volume_id, body) -> int:
    respond.authorize(req, rules.FORCE_DELETE)
    volume_service.delete(respond.state(req), respond.ctx(req), volume_id, force=True)
    return 202


def _begin_detaching(req, volume_id, body) -> int:
    respond.authorize(req, rules.BEGIN_DETACHING)
    service.begin_detaching(respond.db(req), respond.ctx(req), volume_id)
    return 202


def _roll_detaching(req, volume_id, body) -> int:
    respond.authorize(req, rules.ROLL_DETACHING)
    service.roll_detaching(respond.db(req), respond.ctx(req), volume_id)
    return 202


def _upload_image(req, volume_id, body):
    respond.authorize(req, rules.UPLOAD_IMAGE)
    newer = respond.version(req) >= mv.UPLOAD_IMAGE_VISIBILITY
    visibility = body.get("visibility") if newer else None
    if visibility == "public":
        respond.authorize(req, rules.UPLOAD_PUBLIC)
    request = volume_upload.Upload(
        image_name=body["image_name"], disk_format=body.get("disk_format", "raw"),
        container_format=body.get("container_format", "bare"),
        force=as_bool(body.get("force", False)), visibility=visibility,
        protected=newer and as_bool(body.get("protected", False)))
    answer = volume_upload.upload(respond.state(req), respond.ctx(req), volume_id, request,
                                  token=respond.ctx(req).auth_token)
    answer["volume_type"] = type_views.detail(answer["volume_type"], admin=False)
    answer["updated_at"] = timestamp(answer["updated_at"])
    return 202, {"os-volume_upload_image": answer}


def _set_image_metadata(req, volume_id, body):
    respond.authorize(req, rules.IMAGE_METADATA_SET)
    metadata = volume_upload.set_image_metadata(respond.db(req), respond.ctx(req), volume_id,
                                                dict(body["metadata"]))
    return 200, {"metadata": metadata}


def _unset_image_metadata(req, volume_id, body):
    respond.authorize(req, rules.IMAGE_METADATA_REMOVE)
    volume_upload.set_image_metadata(respond.db(req), respond.ctx(req), volume_id,
                                     {body["key"]: None})
    return 200


def _show_image_metadata(req, volume_id, body):
    respond.authorize(req, rules.IMAGE_METADATA_SHOW)
    record = volume_service.get(respond.db(req), respond.ctx(req), volume_id)
    return 200, {"metadata": dict(record.image_metadata)}


ACTIONS = {
    "os-extend": (schemas.EXTEND, _extend),
    "os-set_bootable": (schemas.SET_BOOTABLE, _set_bootable),
    "os-reset_status": (schemas.RESET_STATUS, _reset_status),
    "os-force_delete": (schemas.FORCE_DELETE, _force_delete),
    "os-begin_detaching": (schemas.BEGIN_DETACHING, _begin_detaching),
    "os-roll_detaching": (schemas.ROLL_DETACHING, _roll_detaching),
    "os-volume_upload_image": (schemas.UPLOAD_IMAGE, _upload_image),
    "os-set_image_metadata": (schemas.SET_IMAGE_METADATA, _set_image_metadata),
    "os-unset_image_metadata": (schemas.UNSET_IMAGE_METADATA, _unset_image_metadata),
    "os-show_image_metadata": (schemas.SHOW_IMAGE_METADATA, _show_image_metadata),
}


def volume_action(req, resp, volume_id, project_id=None) -> None:
    respond.run_action(req, resp, ACTIONS, volume_id)
