"""``/types/{id}/extra_specs``: show, set, one key at a time."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.volume.api.handlers import respond
from nubes.volume.api.policies import types as rules
from nubes.volume.api.schemas import volume_types as schemas
from nubes.volume.api.service import volume_types as service
from nubes.volume.api.views.volume_types import USER_VISIBLE_SPECS


def _specs(req, type_id: str) -> dict[str, str]:
    found = service.get(respond.db(req), respond.ctx(req), type_id)
    if respond.allowed(req, rules.EXTRA_SPECS_WRITE):
        return dict(found.extra_specs)
    return {k: v for k, v in found.extra_specs.items() if k in USER_VISIBLE_SPECS}


def list_extra_specs(req, resp, type_id, project_id=None) -> None:
    respond.authorize(req, rules.EXTRA_SPECS_READ)
    respond.send(resp, {"extra_specs": _specs(req, type_id)})


def set_extra_specs(req, resp, type_id, project_id=None) -> None:
    respond.authorize(req, rules.EXTRA_SPECS_WRITE)
    data = respond.read_body(req, schemas.EXTRA_SPECS)["extra_specs"]
    service.set_extra_specs(respond.db(req), type_id, data)
    respond.send(resp, {"extra_specs": data})


def show_extra_spec(req, resp, type_id, key, project_id=None) -> None:
    respond.authorize(req, rules.EXTRA_SPECS_READ)
    specs = _specs(req, type_id)
    if key not in specs:
        raise errors.NotFound(f"Volume Type {type_id} has no extra specs with key {key}.")
    respond.send(resp, {key: specs[key]})


def update_extra_spec(req, resp, type_id, key, project_id=None) -> None:
    respond.authorize(req, rules.EXTRA_SPECS_WRITE)
    data = respond.read_body(req, schemas.EXTRA_SPEC_ITEM)
    if key not in data:
        raise errors.BadRequest("Request body and URI mismatch")
    service.set_extra_specs(respond.db(req), type_id, data)
    respond.send(resp, data)


def delete_extra_spec(req, resp, type_id, key, project_id=None) -> None:
    respond.authorize(req, rules.EXTRA_SPECS_DELETE)
    service.set_extra_specs(respond.db(req), type_id, {key: None})
    respond.empty(resp, 202)
