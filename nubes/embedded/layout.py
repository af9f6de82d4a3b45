"""Where the embedded cloud keeps its state, and the nubes.conf it writes.

Everything lives in one state directory::

    nubes.conf       the configuration (nubes-manage --config-file reads it)
    clouds.yaml      for the OpenStack clients
    identity.yaml    identity: users, passwords (hashed), projects, roles
    token_secret     identity: the token-signing secret
    api.sqlite, placement.sqlite, image.sqlite, volume.sqlite, cell0.sqlite, ...
    defaults_seeded  present once the default flavors and image were created
    images/          image data ([image_store] filesystem_store_datadir = $state_path/images)
    volumes/         volumes of the file backend ([file_backend] volumes_dir)
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import textwrap

from nubes.embedded import config_file



@dataclasses.dataclass(frozen=True)
class Ports:
    host: str = "127.0.0.1"
    identity: int = 5000
    compute: int = 8774
    placement: int = 8778
    image: int = 9292
    volume: int = 8776

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}"


@dataclasses.dataclass(frozen=True)
class Layout:
    state_dir: str

    def path(self, name: str) -> str:
        return os.path.join(self.state_dir, name)

    def sqlite(self, name: str) -> str:
        return f"sqlite:///{self.path(name + '.sqlite')}"

    @property
    def config_file(self) -> str:
        return self.path("nubes.conf")

    @property
    def clouds_file(self) -> str:
        return self.path("clouds.yaml")

    @property
    def defaults_marker(self) -> str:
        return self.path("defaults_seeded")

    @property
    def image_database(self) -> str:
        return self.sqlite("image")

    @property
    def volume_database(self) -> str:
        return self.sqlite("volume")

    def cell_database(self, name: str) -> str:
        return self.sqlite(name)

    @property
    def _bus_tag(self) -> str:
        """Names this state directory's in-process buses: every
        ``memory://`` URL of a process is one bus, and a process may run
        several embedded clouds (tests), whose services must never consume
        each other's messages."""
        path = os.path.realpath(self.state_dir).encode()
        return hashlib.sha256(path).hexdigest()[:10]

    @property
    def api_transport(self) -> str:
        """The API-level bus (scheduler, super-conductor)."""
        return f"memory://api-{self._bus_tag}"

    def cell_transport(self, name: str) -> str:
        return f"memory://{name}-{self._bus_tag}"

    def point_config_at(self, ports: Ports) -> bool:
        """Rewrite the endpoint options of an existing nubes.conf to the
        ports of this start, keeping every other line (an operator's edits
        and comments) as it is; True when the file changed."""
        return config_file.set_options(self.config_file, endpoint_options(ports))

    def write_config(self, ports: Ports) -> bool:
        """Write nubes.conf unless it exists (operators may have edited it:
        then see :meth:`point_config_at`); True when written."""
        if os.path.exists(self.config_file):
            return False
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.config_file, "w") as f:
            f.write(textwrap.dedent(f"""\
                # Written by `nubes up` on its first start; edit freely.
                [DEFAULT]
                state_path = {self.state_dir}
                # The API-level bus (scheduler, super-conductor); every cell
                # has its own, named in its cell mapping.
                transport_url = {self.api_transport}

                [api]
                auth_strategy = nubes_token

                [api_database]
                connection = {self.sqlite("api")}

                [database]
                # This file's own cell (nubes-manage db sync upgrades it).
                connection = {self.cell_database("cell1")}

                [placement_database]
                connection = {self.sqlite("placement")}

                [image_database]
                connection = {self.image_database}

                [volume_database]
                connection = {self.volume_database}

                [placement_client]
                endpoint = {ports.url(ports.placement)}

                [identity]
                public_endpoint = {ports.url(ports.identity)}
                compute_endpoint = {ports.url(ports.compute)}/v2.1
                placement_endpoint = {ports.url(ports.placement)}
                image_endpoint = {ports.url(ports.image)}
                volume_endpoint = {volume_endpoint(ports)}
                """))
        return True


def endpoint_options(ports: Ports) -> dict[str, dict[str, str]]:
    """The options of nubes.conf that name this start's ports."""
    return {
        "placement_client": {"endpoint": ports.url(ports.placement)},
        "identity": {
            "public_endpoint": ports.url(ports.identity),
            "compute_endpoint": ports.url(ports.compute) + "/v2.1",
            "placement_endpoint": ports.url(ports.placement),
            "image_endpoint": ports.url(ports.image),
            "volume_endpoint": volume_endpoint(ports),
        },
    }


def volume_endpoint(ports: Ports) -> str:
    """The catalog URL of block storage (the token's project filled in)."""
    return ports.url(ports.volume) + "/v3/%(project_id)s"
