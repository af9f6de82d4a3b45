"""GET /v3/projects/{project_id} and GET /v3/projects[?name=]: the
project lookups clients make before naming a project to another service
(``openstack quota set ... <project>`` finds the project by id, then by
name).  Admins see every project; other users their own."""
from __future__ import annotations

from nubes.common.wsgi import body
from nubes.identity import errors, exceptions
from nubes.identity.handlers import respond
from nubes.identity.service import validation
from nubes.identity.views.project import project_view


def show_project(req, resp, project_id: str) -> None:
    claims = respond.caller(req)
    directory = req.context.state.users.directory()
    project = directory.find_project(id=project_id)
    if project is None:
        raise exceptions.NotFound(f"Could not find project: {project_id}.")
    if project not in validation.visible_projects(directory, claims):
        raise exceptions.Forbidden("You are not authorized to perform the requested action: "
                                   "identity:get_project.")
    body.send_json(resp, {"project": project_view(project, errors.identity_url(req))})


def list_projects(req, resp) -> None:
    claims = respond.caller(req)
    projects = validation.visible_projects(req.context.state.users.directory(), claims)
    name = req.get_param("name")
    if name is not None:
        projects = [p for p in projects if p.name == name]
    url = errors.identity_url(req)
    body.send_json(resp, {"projects": [project_view(p, url) for p in projects],
                          "links": respond.links(req)})
