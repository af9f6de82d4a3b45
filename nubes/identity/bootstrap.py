"""First start of the embedded cloud: the token secret and the users file."""
from __future__ import annotations

from nubes.common import tokens
from nubes.identity import users_file


def ensure_files(conf) -> dict[str, str]:
    """Create ``[identity] token_secret_file`` and ``users_file`` if absent.

    Returns the passwords of the default users when it just wrote the users
    file (``{"admin": ..., "demo": ...}``), else ``{}``; pass them to
    :func:`nubes.identity.clouds.write_clouds_yaml`.
    """
    tokens.ensure_secret_file(conf.identity.token_secret_file)
    return users_file.ensure(conf.identity.users_file)
