"""The one domain, ``Default``, as Keystone shows a domain."""
from __future__ import annotations

from nubes.identity.users_file import DOMAIN_ID, DOMAIN_NAME


def domain_view(identity_url: str) -> dict:
    return {
        "id": DOMAIN_ID,
        "name": DOMAIN_NAME,
        "description": "The default domain",
        "enabled": True,
        "tags": [],
        "options": {},
        "links": {"self": f"{identity_url}/v3/domains/{DOMAIN_ID}"},
    }
