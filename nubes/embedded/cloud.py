"""Bring the embedded cloud up and down.

Start-up, in order: configuration (written on first start; its endpoint
options rewritten when the ports change), identity files,
schemas, cell mappings (cell0 plus cell1..cellN, each on its own SQLite file
and in-process bus), the HTTP APIs, the cell conductors and the fake
compute hosts, host discovery, and last the clouds.yaml, written only once
every endpoint answers.  Everything is idempotent: a second start on the
same state directory finds its data and mappings and carries on.
"""
from __future__ import annotations

import dataclasses
import logging
import os

from nubes.api.compute import app as compute_app
from nubes.cells import schema_sync as cell_schema
from nubes.cells.admin import Report
from nubes.cells.admin import cells as cell_admin
from nubes.cells.admin import hosts as host_admin
from nubes.cells.targeting import CellDatabases
from nubes.common import config, local_wsgi, log, rpc, tokens
from nubes.common.db.transaction import Database
from nubes.conductor.super.process import SuperConductor
from nubes.embedded import cell_services, defaults, shared_storage
from nubes.embedded.layout import Layout, Ports, volume_endpoint
from nubes.embedded.servers import Servers
from nubes.identity import app as identity_app
from nubes.identity import bootstrap as identity_bootstrap
from nubes.identity import clouds
from nubes.image import app as image_app
from nubes.image import schema_sync as image_schema
from nubes.image import store as image_store
from nubes.placement import app as placement_app
from nubes.placement import schema_sync as placement_schema
from nubes.scheduler.process import Scheduler
from nubes.volume import schema_sync as volume_schema
from nubes.volume.api import app as volume_app
from nubes.volume.manager.process import VolumeManager

LOG = logging.getLogger(__name__)

# The service identity the embedded services use towards each other.
SERVICE_USER = "nubes"
SERVICE_PROJECT = "service"
SERVICE_TOKEN_TTL = 10 * 365 * 24 * 3600  # renewed at every start


@dataclasses.dataclass
class Options:
    state_dir: str
    cells: int = 2
    hosts_per_cell: int = 2
    ports: Ports = dataclasses.field(default_factory=Ports)
    # {group: {option: value}} over nubes.conf ("DEFAULT" for the default
    # group): tests and benchmarks size the fake hosts, quotas, ...
    overrides: dict = dataclasses.field(default_factory=dict)
    # A shared storage pool per cell (nubes.embedded.shared_storage).
    shared_storage: bool = False


class EmbeddedCloud:
    def __init__(self, options: Options, *, say=print):
        self.options = options
        self.layout = Layout(options.state_dir)
        self.say = say
        self.servers = Servers()
        self.databases = CellDatabases(pool_size=5, max_overflow=10)
        self.conf = None
        self.urls: dict[str, str] = {}
        self._closers: list = []
        # The compute hosts' agents once started (tests reach their fake drivers).
        self.agents: list = []
        self.volume_manager = None    # the in-process volume manager once started
        self.api_transport: rpc.Transport | None = None   # the API-level bus

    # -- start-up -------------------------------------------------------------

    def start(self) -> None:
        """Start everything; a start that fails stops what it had started
        (threads, servers, buses, pools) before raising."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        ports = self.options.ports
        if self.layout.write_config(ports):
            self.say(f"nubes: wrote {self.layout.config_file}")
        elif self.layout.point_config_at(ports):
            self.say(f"nubes: pointed the endpoints in {self.layout.config_file} at this "
                     "start's ports")
        self.conf = config.load(config_files=[self.layout.config_file], prog="nubes",
                                overrides=self.options.overrides or None)
        log.setup(self.conf)
        self._point_endpoints_at(ports)
        passwords = identity_bootstrap.ensure_files(self.conf)
        self._mint_service_token()

        api_db, placement_db = self._sync_schemas()
        image_db = self._sync_image_schema()
        cells = self._map_cells(api_db)

        self.urls["identity"] = self.servers.serve(
            "identity", identity_app.build(self.conf), ports.host, ports.identity)
        placement = placement_app.build(self.conf, placement_db)
        self.urls["placement"] = self.servers.serve("placement", placement, ports.host,
                                                    ports.placement)
        image = image_app.build(self.conf, image_db)
        self.urls["image"] = self.servers.serve("image", image, ports.host, ports.image)
        self.volume_state = self._volume_state()
        volume = volume_app.build(self.conf, state=self.volume_state)
        self.urls["volume"] = self.servers.serve("volume", volume, ports.host, ports.volume)
        # This process's own calls to placement, the image API and the volume
        # API (compute's attach flow) go to the apps directly, not through a
        # socket (users' clients use HTTP).
        self._serve_locally(self.conf.placement_client.endpoint, placement)
        self._serve_locally(self.conf.image_client.endpoint or self.conf.identity.image_endpoint,
                            image)
        self._serve_locally(self.conf.identity.volume_endpoint.split("/v3", 1)[0], volume)
        compute_state = compute_app.build_state(self.conf, api_db=api_db,
                                                databases=self.databases)
        self._closers.append(compute_state.buses.close)
        if compute_state.api_transport is not None:
            self._closers.append(compute_state.api_transport.close)
        self.urls["compute"] = self.servers.serve(
            "compute", compute_app.build(self.conf, state=compute_state), ports.host,
            ports.compute)
        self.servers.wait_until_answering(list(self.urls.values()))
        if defaults.seed_once(self.layout.defaults_marker, api_db, image_db,
                              image_store.from_conf(self.conf)):
            self.say("nubes: created the default flavors (m1.*) and image (cirros)")

        if self.options.shared_storage:
            self._shared_storage(cells)
        self._start_cell_services(cells)
        discovery = host_admin.discover_hosts(api_db, self.databases)
        if discovery.mapped:
            self.say(f"nubes: discovered {len(discovery.mapped)} new hosts")
        self._start_api_level_services(api_db)

        path = clouds.write_clouds_yaml(self.layout.clouds_file, self.urls["identity"],
                                        passwords)
        self.say(f"nubes: identity  {self.urls['identity']}/v3")
        self.say(f"nubes: compute   {self.urls['compute']}/v2.1")
        self.say(f"nubes: placement {self.urls['placement']}")
        self.say(f"nubes: image     {self.urls['image']}")
        self.say(f"nubes: volume    {self.urls['volume']}/v3")
        self.say(f"nubes: clients:  export OS_CLIENT_CONFIG_FILE={path}")
        self.say("nubes:           openstack --os-cloud nubes compute service list")

    def _point_endpoints_at(self, ports: Ports) -> None:
        """This start's ports win over what nubes.conf says."""
        conf = self.conf
        # One process: the API-level bus is always the in-process one.
        conf.set_override("transport_url", self.layout.api_transport)
        conf.set_override("endpoint", ports.url(ports.placement), group="placement_client")
        conf.set_override("public_endpoint", ports.url(ports.identity), group="identity")
        conf.set_override("compute_endpoint", ports.url(ports.compute) + "/v2.1",
                          group="identity")
        conf.set_override("placement_endpoint", ports.url(ports.placement), group="identity")
        conf.set_override("image_endpoint", ports.url(ports.image), group="identity")
        conf.set_override("volume_endpoint", volume_endpoint(ports), group="identity")
        if not conf.image_database.connection:
            # A nubes.conf written before the image API existed.
            conf.set_override("connection", self.layout.image_database,
                              group="image_database")
        if not conf.volume_database.connection:
            # A nubes.conf written before the volume API existed.
            conf.set_override("connection", self.layout.volume_database,
                              group="volume_database")

    def _serve_locally(self, endpoint: str, app) -> None:
        local_wsgi.register(endpoint, app)
        self._closers.append(lambda: local_wsgi.unregister(endpoint))

    def _mint_service_token(self) -> None:
        codec = tokens.codec_from_conf(self.conf)
        token, _claims = codec.issue(user_id=SERVICE_USER, user_name=SERVICE_USER,
                                     project_id=SERVICE_PROJECT, project_name=SERVICE_PROJECT,
                                     roles=("admin", "service", "member", "reader"),
                                     ttl=SERVICE_TOKEN_TTL)
        self.conf.set_override("token", token, group="placement_client")
        # The hosts' volume calls that no user made (start-up reconcile,
        # periodic tasks) go with it too.
        self.conf.set_override("token", token, group="volume_client")
        if self.conf.compute_driver == "libvirt":
            # Real guests fetch image data with it; QEMU runs as root when
            # we are (the state directory may be closed to libvirt-qemu).
            self.conf.set_override("image_token", token, group="libvirt")
            if os.geteuid() == 0 and not self.conf.libvirt.dac_label:
                self.conf.set_override("dac_label", "+0:+0", group="libvirt")

    def _sync_schemas(self) -> tuple[Database, Database]:
        self.say("nubes: upgrading schemas ...")
        api_db = self.databases.get(self.conf.api_database.connection)
        cell_schema.upgrade_api(api_db)
        placement_db = placement_app.database_from_conf(self.conf)
        placement_schema.upgrade(placement_db)
        self._closers.append(placement_db.dispose)
        return api_db, placement_db

    def _sync_image_schema(self) -> Database:
        image_db = image_app.database_from_conf(self.conf)
        image_schema.upgrade(image_db)
        self._closers.append(image_db.dispose)
        return image_db

    def _volume_state(self):
        """The volume API's database (schema upgraded) and backends, its
        volumes in ``volumes/`` of the state directory; and the volume
        manager, in this process on the API-level in-process bus (topic
        ``cinder-volume``), as the conductors are."""
        volume_db = volume_app.database_from_conf(self.conf)
        volume_schema.upgrade(volume_db)
        self._closers.append(volume_db.dispose)
        transport = volume_app.transport_from_conf(self.conf)
        self._closers.append(transport.close)
        self.volume_manager = VolumeManager(self.conf, volume_db, transport).start()
        self._closers.append(self.volume_manager.stop)
        state = volume_app.build_state(self.conf, volume_db, transport=transport)
        self._closers.append(state.close)
        return state

    def _map_cells(self, api_db: Database) -> list:
        cell0, created = cell_admin.map_cell0(api_db, self.layout.cell_database("cell0"))
        cell_schema.upgrade_cell(self.databases.get(cell0.database_connection))
        if created:
            self.say("nubes: mapped cell0")
        known = {c.name: c for c in cell_admin.list_cells(api_db)}
        cells = []
        for n in range(1, self.options.cells + 1):
            name = f"cell{n}"
            url = self.layout.cell_database(name)
            cell_schema.upgrade_cell(self.databases.get(url))
            cell = known.get(name)
            if cell is None:
                cell = cell_admin.create_cell(api_db, name=name,
                                              transport_url=self.layout.cell_transport(name),
                                              database_connection=url, verify=False)
                self.say(f"nubes: created {name}")
            # Ids of services and compute nodes in the cell's own range (a
            # state directory from before ranges gets one for its new rows).
            cell_admin.assign_id_range(cell, Report(info=self.say),
                                       db=self.databases.get(url))
            cells.append(cell)
        return cells

    def _shared_storage(self, cells: list) -> None:
        for pool in shared_storage.set_up(self.conf, cells, self.options.hosts_per_cell):
            self.say(f"nubes: shared storage: {pool.cell}'s hosts take their disks from "
                     f"{shared_storage.pool_name(pool.cell)} ({pool.disk_gb} GB DISK_GB, "
                     f"provider {pool.provider}, aggregate {pool.aggregate})")

    def _start_cell_services(self, cells: list) -> None:
        cell_services.start(self.conf, cells, self.databases, self.options.hosts_per_cell,
                            self._closers, say=self.say, agents=self.agents)

    def _start_api_level_services(self, api_db: Database) -> None:
        """The scheduler and the super-conductor, on the API-level bus."""
        self.api_transport = rpc.from_conf(self.conf, self.layout.api_transport)
        self._closers.append(self.api_transport.close)
        scheduler = Scheduler(self.conf, api_db, self.api_transport,
                              databases=self.databases, host="scheduler").start()
        self._closers.append(scheduler.stop)
        conductor = SuperConductor(self.conf, api_db, self.api_transport,
                                   databases=self.databases, host="super-conductor").start()
        self._closers.append(conductor.stop)

    # -- shutdown ---------------------------------------------------------------

    def stop(self) -> None:
        for close in reversed(self._closers):
            try:
                close()
            except Exception:  # noqa: BLE001 - keep stopping the rest
                LOG.exception("error while stopping")
        self._closers.clear()
        self.servers.stop()
        self.databases.dispose()
