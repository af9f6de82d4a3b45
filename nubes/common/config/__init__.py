"""Option definitions and loading.

One ``ConfigOpts`` is built per process by :func:`load` and passed down
explicitly (it rides on the request context); there is no module-level
CONF.  Option names follow OpenStack's wherever one exists, so an
operator's ``nova.conf``/``placement.conf`` habits carry over to
``nubes.conf``.

The options live in one module per group or family of groups, each saying
which processes read it:

* :mod:`.default`: ``[DEFAULT]`` debug, log_file, state_path
* :mod:`.api`: ``[api]``, ``[cors]``
* :mod:`.services`: ``[DEFAULT]`` service liveness, availability zone names
* :mod:`.clients`: ``[placement_client]``, ``[image_client]``, ``[volume_client]``,
  ``[service_auth]``
* :mod:`.database`: ``[api_database]``, ``[database]``,
  ``[placement_database]``, ``[image_database]``
* :mod:`.placement`: ``[placement]``
* :mod:`.messaging`: ``[DEFAULT]`` transport_url and RPC options,
  ``[oslo_messaging_rabbit]``
* :mod:`.identity`: ``[identity]``
* :mod:`.image`: ``[image]``
* :mod:`.image_store`: ``[image_store]``
* :mod:`.quota`: ``[quota]``
* :mod:`.compute`: ``[DEFAULT]`` compute agent options, ``[compute]``
* :mod:`.fake_drivers`: ``[fake_driver]``, ``[fake_baremetal]``
* :mod:`.libvirt`: ``[libvirt]``
* :mod:`.scheduler`: ``[scheduler]``
* :mod:`.volume`: ``[volume]``, ``[volume_database]``, ``[volume_quota]``
* :mod:`.volume_backends`: ``[file_backend]``

Every option list stays importable from here (``config.QUOTA_OPTS``, ...).
"""
from __future__ import annotations

import os

from oslo_config import cfg
from oslo_policy import opts as policy_opts

from nubes.common.config.api import API_OPTS, CORS_OPTS
from nubes.common.config.clients import (IMAGE_CLIENT_OPTS, PLACEMENT_CLIENT_OPTS,
                                         SERVICE_AUTH_OPTS, VOLUME_CLIENT_OPTS)
from nubes.common.config.compute import COMPUTE_AGENT_OPTS, COMPUTE_GROUP_OPTS
from nubes.common.config.database import (API_DATABASE_OPTS, CELL_DATABASE_OPTS,
                                          IMAGE_DATABASE_OPTS, PLACEMENT_DATABASE_OPTS)
from nubes.common.config.default import DEFAULT_OPTS
from nubes.common.config.fake_drivers import FAKE_BAREMETAL_OPTS, FAKE_DRIVER_OPTS
from nubes.common.config.identity import IDENTITY_OPTS
from nubes.common.config.image import IMAGE_OPTS
from nubes.common.config.image_store import IMAGE_STORE_OPTS
from nubes.common.config.libvirt import LIBVIRT_OPTS
from nubes.common.config.messaging import RABBIT_OPTS, RPC_OPTS, TRANSPORT_OPTS
from nubes.common.config.placement import PLACEMENT_OPTS
from nubes.common.config.quota import QUOTA_OPTS
from nubes.common.config.scheduler import SCHEDULER_OPTS
from nubes.common.config.services import COMPUTE_OPTS
from nubes.common.config.volume import VOLUME_DATABASE_OPTS, VOLUME_OPTS, VOLUME_QUOTA_OPTS
from nubes.common.config.volume_backends import FILE_BACKEND_OPTS

__all__ = [
    "API_DATABASE_OPTS", "API_OPTS", "CELL_DATABASE_OPTS", "COMPUTE_AGENT_OPTS",
    "COMPUTE_GROUP_OPTS", "COMPUTE_OPTS", "CONFIG_ENV", "CORS_OPTS", "DEFAULT_OPTS",
    "FAKE_BAREMETAL_OPTS", "FAKE_DRIVER_OPTS", "IDENTITY_OPTS", "IMAGE_CLIENT_OPTS",
    "IMAGE_DATABASE_OPTS", "IMAGE_OPTS", "IMAGE_STORE_OPTS", "LIBVIRT_OPTS", "PLACEMENT_CLIENT_OPTS",
    "PLACEMENT_DATABASE_OPTS", "PLACEMENT_OPTS", "QUOTA_OPTS", "RABBIT_OPTS",
    "RPC_OPTS", "SCHEDULER_OPTS", "SERVICE_AUTH_OPTS", "TRANSPORT_OPTS", "load",
    "register_opts",
    "FILE_BACKEND_OPTS", "VOLUME_CLIENT_OPTS", "VOLUME_DATABASE_OPTS", "VOLUME_OPTS", "VOLUME_QUOTA_OPTS",
]

CONFIG_ENV = "NUBES_CONFIG_FILE"


# (group, options) in registration order, which is the order options are
# listed in (``conf.keys()``, generated samples); None is [DEFAULT].
_GROUPS: list[tuple[str | None, list[cfg.Opt]]] = [
    (None, DEFAULT_OPTS),
    ("api", API_OPTS),
    ("identity", IDENTITY_OPTS),
    ("placement_database", PLACEMENT_DATABASE_OPTS),
    ("placement", PLACEMENT_OPTS),
    (None, COMPUTE_OPTS),
    ("placement_client", PLACEMENT_CLIENT_OPTS),
    ("image_client", IMAGE_CLIENT_OPTS),
    ("volume_client", VOLUME_CLIENT_OPTS),
    ("service_auth", SERVICE_AUTH_OPTS),
    ("cors", CORS_OPTS),
    (None, RPC_OPTS),
    ("oslo_messaging_rabbit", RABBIT_OPTS),
    (None, TRANSPORT_OPTS),
    ("api_database", API_DATABASE_OPTS),
    ("database", CELL_DATABASE_OPTS),
    (None, COMPUTE_AGENT_OPTS),
    ("compute", COMPUTE_GROUP_OPTS),
    ("fake_driver", FAKE_DRIVER_OPTS),
    ("fake_baremetal", FAKE_BAREMETAL_OPTS),
    ("libvirt", LIBVIRT_OPTS),
    ("image_database", IMAGE_DATABASE_OPTS),
    ("image", IMAGE_OPTS),
    ("image_store", IMAGE_STORE_OPTS),
    ("quota", QUOTA_OPTS),
    ("scheduler", SCHEDULER_OPTS),
    ("volume", VOLUME_OPTS),
    ("volume_database", VOLUME_DATABASE_OPTS),
    ("volume_quota", VOLUME_QUOTA_OPTS),
    ("file_backend", FILE_BACKEND_OPTS),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register every nubes group, then oslo.policy's, on ``conf``."""
    for group, opts in _GROUPS:
        conf.register_opts(opts, group=group)
    for group, opts in policy_opts.list_opts():
        conf.register_opts(opts, group=group)


def load(args: list[str] | None = None, *, config_files: list[str] | None = None,
         overrides: dict[str, dict[str, object]] | None = None,
         prog: str = "nubes") -> cfg.ConfigOpts:
    """Build and parse a fresh ``ConfigOpts``.

    ``config_files`` defaults to ``$NUBES_CONFIG_FILE`` when it is set.
    ``overrides`` maps group -> {option: value} ("DEFAULT" for the default
    group); tests and the embedded cloud use it instead of writing files.
    """
    conf = cfg.ConfigOpts()
    register_opts(conf)
    if config_files is None:
        env_file = os.environ.get(CONFIG_ENV)
        config_files = [env_file] if env_file else []
    for path in config_files:
        if not os.path.exists(path):
            raise FileNotFoundError(f"config file {path} does not exist")
    conf(args if args is not None else [], project="nubes", prog=prog,
         default_config_files=config_files, default_config_dirs=[])
    for group, values in (overrides or {}).items():
        for name, value in values.items():
            conf.set_override(name, value, group=None if group == "DEFAULT" else group)
    return conf
