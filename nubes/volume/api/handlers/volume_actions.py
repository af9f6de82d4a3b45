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
from nubes.volume.api.service import volumes as volume_service


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


ACTIONS = {
    "os-extend": (schemas.EXTEND, _extend),
    "os-set_bootable": (schemas.SET_BOOTABLE, _set_bootable),
    "os-reset_status": (schemas.RESET_STATUS, _reset_status),
    "os-force_delete": (schemas.FORCE_DELETE, _force_delete),
    "os-begin_detaching": (schemas.BEGIN_DETACHING, _begin_detaching),
    "os-roll_detaching": (schemas.ROLL_DETACHING, _roll_detaching),
}


def volume_action(req, resp, volume_id, project_id=None) -> None:
    data = respond.read_body(req, {"type": "object", "minProperties": 1, "maxProperties": 1})
    name = next(iter(data))
    if name not in ACTIONS:
        raise errors.BadRequest(f"There is no such action: {name}")
    schema, run = ACTIONS[name]
    respond.validate(data, schema)
    status = run(req, volume_id, data[name])
    respond.empty(resp, status)
