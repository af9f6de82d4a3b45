"""A project as Keystone lists it."""
from __future__ import annotations

from nubes.identity.users_file import DOMAIN_ID, Project


def project_view(project: Project, identity_url: str) -> dict:
    return {
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "domain_id": DOMAIN_ID,
        "parent_id": DOMAIN_ID,
        "enabled": project.enabled,
        "is_domain": False,
        "tags": [],
        "options": {},
        "links": {"self": f"{identity_url}/v3/projects/{project.id}"},
    }
