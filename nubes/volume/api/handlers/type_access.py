"""Private volume types: ``GET /types/{id}/os-volume-type-access`` and the
``addProjectAccess`` / ``removeProjectAccess`` actions."""
from __future__ import annotations

from nubes.volume.api.handlers import respond
from nubes.volume.api.policies import types as rules
from nubes.volume.api.schemas import volume_types as schemas
from nubes.volume.api.service import volume_types as service


def list_access(req, resp, type_id, project_id=None) -> None:
    respond.authorize(req, rules.ACCESS_LIST)
    found = service.projects(respond.db(req), type_id)
    respond.send(resp, {"volume_type_access": [
        {"volume_type_id": type_id, "project_id": p} for p in found]})


def type_action(req, resp, type_id, project_id=None) -> None:
    data = respond.read_body(req, schemas.ACCESS_ACTION)
    add = "addProjectAccess" in data
    respond.authorize(req, rules.ACCESS_ADD if add else rules.ACCESS_REMOVE)
    target = data["addProjectAccess" if add else "removeProjectAccess"]["project"]
    service.change_access(respond.db(req), type_id, target, add=add)
    respond.empty(resp, 202)
