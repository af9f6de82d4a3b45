"""A throw-away cells deployment on one backend: an API database and three
cell databases (for cell0, cell1, cell2), migrated once and emptied
between tests, plus helpers to run ``nubes-manage`` and seed cell rows."""
from __future__ import annotations

import dataclasses
import uuid as uuidlib

import sqlalchemy as sa

from nubes.cells import schema_sync
from nubes.cells.api_db import models as api_models
from nubes.cells.cell_db import models as cell_models
from nubes.cmd import manage
from nubes.common.db.transaction import Database
from nubes.common.timeutils import utcnow
from tests.fixtures import databases

# Nothing listens on port 1: connecting is refused at once.
DEAD_DATABASE = "mysql+pymysql://nubes:dead-secret@127.0.0.1:1/nubes_dead"
TRANSPORT = "rabbit://nubes:bus-secret@mq.example:5672/"


class Deployment:
    CELLS = ("cell0", "cell1", "cell2")

    def __init__(self, backend: str):
        self.backend = backend
        self._tmp = {"api": databases.TemporaryDatabase(backend)}
        for name in self.CELLS:
            self._tmp[name] = databases.TemporaryDatabase(backend)
        self.api_url = self._tmp["api"].url
        self.cell_urls = {name: self._tmp[name].url for name in self.CELLS}
        self.api_db = Database(self.api_url)
        self.cell_dbs = {name: Database(url) for name, url in self.cell_urls.items()}
        schema_sync.upgrade_api(self.api_db)
        for db in self.cell_dbs.values():
            schema_sync.upgrade_cell(db)

    def reset(self) -> None:
        _empty(self.api_db, api_models.metadata)
        for db in self.cell_dbs.values():
            _empty(db, cell_models.metadata)

    def drop(self) -> None:
        self.api_db.dispose()
        for db in self.cell_dbs.values():
            db.dispose()
        for tmp in self._tmp.values():
            tmp.drop()


def _empty(db: Database, metadata: sa.MetaData) -> None:
    def work(conn):
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    db.write(work)


@dataclasses.dataclass
class Result:
    code: int
    out: str
    err: str


class Manage:
    """Runs ``nubes-manage`` in-process with a config file for a deployment."""

    def __init__(self, deployment: Deployment, tmp_path, capsys):
        self.deployment = deployment
        self.tmp_path = tmp_path
        self.capsys = capsys
        self.conf = self.write_conf()

    def write_conf(self, *, api: bool = True, cell: str | None = "cell1",
                   transport_url: str | None = TRANSPORT, name: str = "nubes.conf") -> str:
        lines = ["[DEFAULT]"]
        if transport_url:
            lines.append(f"transport_url = {transport_url}")
        if api:
            lines += ["[api_database]", f"connection = {self.deployment.api_url}"]
        if cell:
            lines += ["[database]", f"connection = {self.deployment.cell_urls[cell]}"]
        path = self.tmp_path / name
        path.write_text("\n".join(lines) + "\n")
        return str(path)

    def __call__(self, *argv: str, conf: str | None = None) -> Result:
        self.capsys.readouterr()
        code = manage.main(["--config-file", conf or self.conf, *argv])
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def cell_v2(self, *argv: str, conf: str | None = None) -> Result:
        return self(*("cell_v2",) + argv, conf=conf)

    # --- common setups ---------------------------------------------------------

    def create_cell(self, name: str, *extra: str) -> str:
        result = self.cell_v2("create_cell", "--name", name, "--verbose",
                              "--transport-url", f"{TRANSPORT}{name}",
                              "--database_connection", self.deployment.cell_urls[name],
                              *extra)
        assert result.code == 0, result
        return result.out.strip()

    def setup_cells(self) -> dict[str, str]:
        assert self.cell_v2("map_cell0", "--database_connection",
                            self.deployment.cell_urls["cell0"]).code == 0
        return {"cell1": self.create_cell("cell1"), "cell2": self.create_cell("cell2")}


# --- rows in a cell database ------------------------------------------------------

def add_compute_node(db: Database, host: str, node: str | None = None) -> str:
    node_uuid = str(uuidlib.uuid4())
    db.write(lambda conn: conn.execute(sa.insert(cell_models.compute_nodes).values(
        uuid=node_uuid, host=host, hypervisor_hostname=node or host, vcpus=8,
        memory_mb=16384, local_gb=100, created_at=utcnow())))
    return node_uuid


def add_service(db: Database, host: str, binary: str = "nova-compute") -> None:
    db.write(lambda conn: conn.execute(sa.insert(cell_models.services).values(
        uuid=str(uuidlib.uuid4()), host=host, binary=binary,
        topic=binary.split("-")[-1], created_at=utcnow())))


def add_instance(db: Database, *, project_id: str = "p1", user_id: str = "u1",
                 deleted: bool = False) -> str:
    instance_uuid = str(uuidlib.uuid4())

    def work(conn):
        result = conn.execute(sa.insert(cell_models.instances).values(
            uuid=instance_uuid, project_id=project_id, user_id=user_id,
            display_name="vm", vm_state="active", power_state=1, created_at=utcnow()))
        if deleted:
            new_id = result.inserted_primary_key[0]
            conn.execute(sa.update(cell_models.instances)
                         .where(cell_models.instances.c.id == new_id)
                         .values(deleted=new_id, deleted_at=utcnow()))
    db.write(work)
    return instance_uuid


def archive_instance(db: Database, instance_uuid: str) -> None:
    db.write(lambda conn: conn.execute(sa.delete(cell_models.instances).where(
        cell_models.instances.c.uuid == instance_uuid)))


def mapped_flags(db: Database) -> dict[str, int]:
    nodes = cell_models.compute_nodes
    return {r.hypervisor_hostname: r.mapped for r in db.read(lambda conn: list(conn.execute(
        sa.select(nodes.c.hypervisor_hostname, nodes.c.mapped))))}


def rows(db: Database, table: sa.Table) -> list[sa.Row]:
    return db.read(lambda conn: list(conn.execute(sa.select(table))))
