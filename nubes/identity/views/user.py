"""A user as Keystone shows it (no password, ever)."""
from __future__ import annotations

from nubes.identity.users_file import DOMAIN_ID, User


def user_view(user: User, identity_url: str) -> dict:
    return {
        "id": user.id,
        "name": user.name,
        "domain_id": DOMAIN_ID,
        "enabled": user.enabled,
        "password_expires_at": None,
        "options": {},
        "links": {"self": f"{identity_url}/v3/users/{user.id}"},
    }
