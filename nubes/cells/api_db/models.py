"""API database tables (SQLAlchemy Core).

One API database per deployment.  It says where everything lives (cell,
host and instance mappings), holds what exists before an instance reaches
a cell (build requests, request specs) and the API-level resources that
belong to no cell (flavors, quotas, key pairs, aggregates, server groups).
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.columns import (
    MediumText,
    binary_string,
    flag,
    new_metadata,
    timestamps,
)

metadata = new_metadata()


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


# --- where things are -------------------------------------------------------

cell_mappings = sa.Table(
    "cell_mappings", metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=True),
    # Opaque to this package: the rpc layer interprets it.  cell0 has none.
    sa.Column("transport_url", sa.Text, nullable=False),
    sa.Column("database_connection", sa.Text, nullable=False),
    flag("disabled"),
    *timestamps(),
)

host_mappings = sa.Table(
    "host_mappings", metadata,
    _id(),
    sa.Column("cell_id", sa.Integer, sa.ForeignKey("cell_mappings.id"), nullable=False,
              index=True),
    # The compute *service* host (not the hypervisor node).
    sa.Column("host", sa.String(255), nullable=False, unique=True),
    *timestamps(),
)

instance_mappings = sa.Table(
    "instance_mappings", metadata,
    _id(),
    sa.Column("instance_uuid", sa.String(36), nullable=False, unique=True),
    # NULL until the super-conductor has put the instance in a cell.
    sa.Column("cell_id", sa.Integer, sa.ForeignKey("cell_mappings.id"), nullable=True,
              index=True),
    sa.Column("project_id", sa.String(255), nullable=False, index=True),
    sa.Column("user_id", sa.String(255), nullable=True),
    flag("queued_for_delete"),
    *timestamps(),
    sa.Index("ix_instance_mappings_user_id_project_id", "user_id", "project_id"),
)

# Where `nubes-manage cell_v2 map_instances` stopped in a cell, so a run cut
# short by --max-count resumes; removed once the cell is fully mapped.
instance_mapping_markers = sa.Table(
    "instance_mapping_markers", metadata,
    _id(),
    sa.Column("cell_id", sa.Integer, sa.ForeignKey("cell_mappings.id", ondelete="CASCADE"),
              nullable=False, unique=True),
    sa.Column("last_instance_id", sa.Integer, nullable=False),
    *timestamps(),
)

# --- before an instance reaches a cell -------------------------------------

build_requests = sa.Table(
    "build_requests", metadata,
    _id(),
    sa.Column("instance_uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("project_id", sa.String(255), nullable=False, index=True),
    sa.Column("instance", MediumText, nullable=True),          # serialized instance
    sa.Column("block_device_mappings", MediumText, nullable=True),
    sa.Column("tags", sa.Text, nullable=True),
    # The super-conductor working on it and until when (a lease: one that
    # runs out means it died or its cast was lost; another takes it over).
    sa.Column("lease_owner", sa.String(36), nullable=True),
    sa.Column("lease_expires", sa.DateTime, nullable=True),
    *timestamps(),
)

request_specs = sa.Table(
    "request_specs", metadata,
    _id(),
    sa.Column("instance_uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("spec", MediumText, nullable=False),  # kept for the instance's lifetime
    *timestamps(),
)

# --- flavors ----------------------------------------------------------------

flavors = sa.Table(
    "flavors", metadata,
    _id(),
    sa.Column("flavorid", sa.String(255), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("memory_mb", sa.Integer, nullable=False),
    sa.Column("vcpus", sa.Integer, nullable=False),
    sa.Column("root_gb", sa.Integer, nullable=False, server_default="0"),
    sa.Column("ephemeral_gb", sa.Integer, nullable=False, server_default="0"),
    sa.Column("swap", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rxtx_factor", sa.Float, nullable=False, server_default="1.0"),
    sa.Column("vcpu_weight", sa.Integer, nullable=True),
    flag("disabled"),
    flag("is_public", default=True),
    sa.Column("description", sa.Text, nullable=True),
    *timestamps(),
)

flavor_extra_specs = sa.Table(
    "flavor_extra_specs", metadata,
    _id(),
    sa.Column("flavor_id", sa.Integer, sa.ForeignKey("flavors.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("key", binary_string(255), nullable=False),
    sa.Column("value", binary_string(255), nullable=True),
    *timestamps(),
    sa.UniqueConstraint("flavor_id", "key"),
    sa.Index("ix_flavor_extra_specs_key", "key"),
)

flavor_projects = sa.Table(
    "flavor_projects", metadata,
    _id(),
    sa.Column("flavor_id", sa.Integer, sa.ForeignKey("flavors.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("project_id", sa.String(255), nullable=False),
    *timestamps(),
    sa.UniqueConstraint("flavor_id", "project_id"),
    sa.Index("ix_flavor_projects_project_id", "project_id"),
)

# --- quotas (limits only: usage is counted, never stored) -----------------

quotas = sa.Table(
    "quotas", metadata,
    _id(),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("resource", sa.String(255), nullable=False),
    sa.Column("hard_limit", sa.Integer, nullable=True),  # NULL: unlimited
    *timestamps(),
    sa.UniqueConstraint("project_id", "resource"),
)

project_user_quotas = sa.Table(
    "project_user_quotas", metadata,
    _id(),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("resource", sa.String(255), nullable=False),
    sa.Column("hard_limit", sa.Integer, nullable=True),
    *timestamps(),
    sa.UniqueConstraint("user_id", "project_id", "resource"),
    sa.Index("ix_project_user_quotas_project_id", "project_id"),
)

quota_classes = sa.Table(
    "quota_classes", metadata,
    _id(),
    sa.Column("class_name", sa.String(255), nullable=False),
    sa.Column("resource", sa.String(255), nullable=False),
    sa.Column("hard_limit", sa.Integer, nullable=True),
    *timestamps(),
    sa.UniqueConstraint("class_name", "resource"),
)

# One row per project that has created servers under a counted limit: the
# compute API holds it (SELECT ... FOR UPDATE) from counting the project's
# usage to inserting its build requests, so two creates of one project
# never both take the last place (nubes.cells.quota.claim).  Only the lock
# matters; nothing else is stored.
quota_locks = sa.Table(
    "quota_locks", metadata,
    _id(),
    sa.Column("project_id", sa.String(255), nullable=False, unique=True),
    *timestamps(),
)

# --- key pairs --------------------------------------------------------------

key_pairs = sa.Table(
    "key_pairs", metadata,
    _id(),
    sa.Column("name", binary_string(255), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("fingerprint", sa.String(255), nullable=True),
    sa.Column("public_key", sa.Text, nullable=True),
    sa.Column("type", sa.String(5), nullable=False, server_default="ssh"),  # ssh | x509
    *timestamps(),
    sa.UniqueConstraint("user_id", "name"),
)

# --- host aggregates ---------------------------------------------------------

aggregates = sa.Table(
    "aggregates", metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    *timestamps(),
)

aggregate_hosts = sa.Table(
    "aggregate_hosts", metadata,
    _id(),
    sa.Column("aggregate_id", sa.Integer, sa.ForeignKey("aggregates.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    *timestamps(),
    sa.UniqueConstraint("host", "aggregate_id"),
    sa.Index("ix_aggregate_hosts_aggregate_id", "aggregate_id"),
)

aggregate_metadata = sa.Table(
    "aggregate_metadata", metadata,
    _id(),
    sa.Column("aggregate_id", sa.Integer, sa.ForeignKey("aggregates.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("key", sa.String(255), nullable=False),  # "availability_zone" names the AZ
    sa.Column("value", sa.String(255), nullable=False),
    *timestamps(),
    sa.UniqueConstraint("aggregate_id", "key"),
    sa.Index("ix_aggregate_metadata_key", "key"),
)

# --- server groups -----------------------------------------------------------

instance_groups = sa.Table(
    "instance_groups", metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("user_id", sa.String(255), nullable=True),
    sa.Column("project_id", sa.String(255), nullable=True, index=True),
    *timestamps(),
)

instance_group_policy = sa.Table(
    "instance_group_policy", metadata,
    _id(),
    sa.Column("group_id", sa.Integer,
              sa.ForeignKey("instance_groups.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("policy", sa.String(255), nullable=True),
    sa.Column("rules", sa.Text, nullable=True),  # JSON, e.g. {"max_server_per_host": 2}
    *timestamps(),
)

instance_group_member = sa.Table(
    "instance_group_member", metadata,
    _id(),
    sa.Column("group_id", sa.Integer,
              sa.ForeignKey("instance_groups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("instance_uuid", sa.String(36), nullable=False, index=True),
    *timestamps(),
    sa.UniqueConstraint("group_id", "instance_uuid"),
)
