"""The embedded cloud (compute API, placement, image API, scheduler,
conductors, a fake compute host) with ``[api] auth_strategy = keystone``:
every API behind keystonemiddleware's ``auth_token``, which validates the
callers' fernet tokens with a real Keystone as the service user ``nubes``.

The configuration is a ``nubes.conf`` as an operator writes it (the
embedded cloud's own file, with ``[api] auth_strategy`` switched and a
``[keystone_authtoken]`` section added), because keystonemiddleware's
options exist only once it registers them.  The services' own calls to
placement (and the image API, when no caller's token is at hand) carry a
token Keystone issued to the service user, instead of the token the
embedded cloud mints for its own identity service.
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


def write_config(state_dir: str, ports: Ports, keystone_url: str) -> str:
    layout = Layout(state_dir)
    layout.write_config(ports)
    config_file.set_options(layout.config_file, {
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": keystone_authtoken(keystone_url),
    })
    return layout.config_file


class KeystoneCloud(EmbeddedCloud):
    def __init__(self, state_dir: str, ports: Ports, keystone_url: str, service_token: str):
        write_config(state_dir, ports, keystone_url)
        overrides = {"DEFAULT": {"report_interval": 0.2, "update_resources_interval": 3600},
                     "scheduler": {"host_state_cache_ttl": 0.0}}
        super().__init__(Options(state_dir=state_dir, cells=1, hosts_per_cell=1, ports=ports,
                                 overrides=overrides), say=lambda _line: None)
        self.service_token = service_token

    def _mint_service_token(self) -> None:
        """The service user's Keystone token, not one of nubes' own identity."""
        self.conf.set_override("token", self.service_token, group="placement_client")
        self.conf.set_override("token", self.service_token, group="image_client")
