"""The database groups: ``[api_database]``, ``[database]``,
``[placement_database]`` and ``[image_database]``.

All four share one option list (``connection``, pool sizes, transaction
retries), turned into an engine by ``Database.from_options``.

* ``[api_database]``: the one API database (cell, host and instance
  mappings, flavors, quotas, ...); read by the compute API (``nubes-api``),
  the scheduler (``nubes-scheduler``), the super-conductor
  (``nubes-conductor``), ``nubes-manage`` and the embedded cloud.
* ``[database]``: this service's own cell database; read by the cell
  conductor (``nubes-conductor``) and ``nubes-manage`` (``db sync``,
  ``cell_v2`` commands) and, through cell targeting, every cell-aware service.
* ``[placement_database]``: read by placement (``nubes-placement-api``),
  ``nubes-manage`` and the embedded cloud.
* ``[image_database]``: read by the image API (``nubes-image-api``) and the
  embedded cloud.
"""
from __future__ import annotations

from oslo_config import cfg


def _database_opts(what: str, example: str) -> list[cfg.Opt]:
    return [
        cfg.StrOpt("connection", secret=True,
                   help=f"SQLAlchemy URL of the {what}, e.g. {example}."),
        cfg.IntOpt("max_pool_size", default=10, min=1),
        cfg.IntOpt("max_overflow", default=20, min=0),
        cfg.IntOpt("max_retries", default=10, min=0,
                   help="Retries of a transaction that hit a deadlock, a "
                        "serialisation failure or a lost generation race."),
    ]


PLACEMENT_DATABASE_OPTS = _database_opts(
    "placement database", "mysql+pymysql://user:pw@host/placement")

# [api_database]: the one API database (cell, host and instance mappings,
# flavors, quotas, ...).  [database]: this service's own cell database.
API_DATABASE_OPTS = _database_opts(
    "API database", "mysql+pymysql://user:pw@host/nubes_api")
CELL_DATABASE_OPTS = _database_opts(
    "cell database of this service (map_cell0 derives cell0's by adding "
    "'_cell0' to the database name)", "mysql+pymysql://user:pw@host/nubes_cell1")

# [image_database]: the minimal Image API v2 (nubes.image).
IMAGE_DATABASE_OPTS = _database_opts(
    "image database", "mysql+pymysql://user:pw@host/nubes_image")
