"""The embedded cloud (compute API, placement, image API, scheduler,
conductors, a fake compute host) with ``[api] auth_strategy = keystone``:
every API behind keystonemiddleware's ``auth_token``, which validates the
callers' fernet tokens with a real Keystone as the service user ``nubes``.

The configuration is a ``nubes.conf`` as an operator writes it (the
embedded cloud's own file, with ``[api] auth_strategy`` switched and a
``[keystone_authtoken]`` section added), because keystonemiddleware's
options exist only once it registers them.  The services' own calls to
placement (and the image API, when no caller's token is at hand) carry
tokens of the service user that ``[service_auth]`` names: Keystone issues
them and the clients renew them (:mod:`nubes.common.service_auth`).
"""
from __future__ import annotations

from nubes.embedded import config_file
from nubes.embedded.cloud import EmbeddedCloud, Options
from nubes.embedded.layout import Layout, Ports
from tests.integration.keystone import identities as ids


def keystone_authtoken(keystone_url: str) -> dict[str, str]:
    """The ``[keystone_authtoken]`` options every nubes API runs with."""
    return {
        "www_authenticate_uri": keystone_url,
        "auth_url": keystone_url,
        "auth_type": "password",
        "username": ids.SERVICE_USER,
        "password": ids.password(ids.SERVICE_USER),
        "project_name": ids.SERVICE_PROJECT,
        "user_domain_name": ids.DOMAIN,
        "project_domain_name": ids.DOMAIN,
        "service_token_roles_required": "true",
    }


def service_auth(keystone_url: str) -> dict[str, str]:
    """The service user the services call each other as."""
    return {"auth_url": keystone_url, "username": ids.SERVICE_USER,
            "password": ids.password(ids.SERVICE_USER), "project_name": ids.SERVICE_PROJECT,
            "user_domain_name": ids.DOMAIN, "project_domain_name": ids.DOMAIN}


def write_config(state_dir: str, ports: Ports, keystone_url: str) -> str:
    layout = Layout(state_dir)
    layout.write_config(ports)
    config_file.set_options(layout.config_file, {
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": keystone_authtoken(keystone_url),
        "service_auth": service_auth(keystone_url),
    })
    return layout.config_file


class KeystoneCloud(EmbeddedCloud):
    def __init__(self, state_dir: str, ports: Ports, keystone_url: str):
        write_config(state_dir, ports, keystone_url)
        overrides = {"DEFAULT": {"report_interval": 0.2, "update_resources_interval": 3600},
                     "scheduler": {"host_state_cache_ttl": 0.0}}
        super().__init__(Options(state_dir=state_dir, cells=1, hosts_per_cell=1, ports=ports,
                                 overrides=overrides), say=lambda _line: None)

    def _mint_service_token(self) -> None:
        """None: ``[service_auth]`` gets the service user's tokens from
        Keystone (nubes' own identity mints none)."""
