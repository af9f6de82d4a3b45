"""The request context: who is asking, for which request, with what config."""
from __future__ import annotations

import dataclasses
import random
import uuid
from typing import Any


def new_request_id() -> str:
    """``req-<uuid4>``.  Random, not secret: drawn from ``random`` rather
    than ``os.urandom`` (a system call per request, several per boot)."""
    return "req-" + str(uuid.UUID(int=random.getrandbits(128), version=4))


@dataclasses.dataclass
class RequestContext:
    user_id: str | None = None
    project_id: str | None = None
    roles: tuple[str, ...] = ()
    system_scope: str | None = None
    request_id: str = dataclasses.field(default_factory=new_request_id)
    global_request_id: str | None = None
    auth_token: str | None = None
    conf: Any = None
    is_admin: bool = False

    def policy_credentials(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "project_id": self.project_id,
            "roles": list(self.roles),
            "system_scope": self.system_scope,
            "is_admin_project": True,
        }

    @classmethod
    def admin(cls, conf: Any = None) -> "RequestContext":
        """A context for internal work (manage commands, start-up sync)."""
        return cls(user_id="admin", project_id="admin", roles=("admin",),
                   conf=conf, is_admin=True)
