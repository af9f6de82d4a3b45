"""``/types``: list, show (and ``/types/default``), create, update, delete."""
from __future__ import annotations

from nubes.volume.api.handlers import respond
from nubes.volume.api.policies import types as rules
from nubes.volume.api.schemas import volume_types as schemas
from nubes.volume.api.schemas.common import as_bool
from nubes.volume.api.service import volume_types as service
from nubes.volume.api.views import volume_types as views


def _admin(req) -> bool:
    return respond.allowed(req, rules.CREATE)


def list_types(req, resp, project_id=None) -> None:
    respond.authorize(req, rules.GET_ALL)
    value = respond.query(req, "is_public")
    is_public = True if value is None else (
        None if value.strip().lower() == "none" else respond.parse_bool(value, "is_public"))
    found = service.list_types(respond.db(req), respond.ctx(req), is_public)
    admin = _admin(req)
    respond.send(resp, {"volume_types": [views.detail(t, admin=admin) for t in found]})


def show_type(req, resp, type_id, project_id=None) -> None:
    respond.authorize(req, rules.GET)
    if type_id == "default":
        found = service.get_default(respond.db(req), respond.conf(req))
    else:
        found = service.get(respond.db(req), respond.ctx(req), type_id)
    respond.send(resp, {"volume_type": views.detail(found, admin=_admin(req))})


def create_type(req, resp, project_id=None) -> None:
    respond.authorize(req, rules.CREATE)
    data = respond.read_body(req, schemas.CREATE)["volume_type"]
    found = service.create(respond.db(req), name=data["name"].strip(),
                           description=data.get("description"),
                           is_public=as_bool(data.get(schemas.IS_PUBLIC, True)),
                           extra_specs=data.get("extra_specs") or {})
    respond.send(resp, {"volume_type": views.detail(found, admin=True)})


def update_type(req, resp, type_id, project_id=None) -> None:
    respond.authorize(req, rules.UPDATE)
    data = respond.read_body(req, schemas.UPDATE)["volume_type"]
    values = {}
    if "name" in data:
        values["name"] = data["name"].strip()
    if "description" in data:
        values["description"] = data["description"]
    if "is_public" in data:
        values["is_public"] = as_bool(data["is_public"])
    found = service.update(respond.db(req), respond.conf(req), type_id, values)
    respond.send(resp, {"volume_type": views.detail(found, admin=True)})


def delete_type(req, resp, type_id, project_id=None) -> None:
    respond.authorize(req, rules.DELETE)
    service.delete(respond.db(req), respond.conf(req), type_id)
    respond.empty(resp, 202)
