"""Cell database tables (SQLAlchemy Core).

Every cell, cell0 included, has this schema.  Instances are soft-deleted
(``deleted`` = the row's id) so deleted servers stay listable; the other
tables the API lists with soft-delete semantics (services, compute nodes,
block device mappings, metadata) do the same.
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.columns import MediumText, flag, new_metadata, soft_delete, timestamps

metadata = new_metadata()


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


instances = sa.Table(
    "instances", metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("user_id", sa.String(255), nullable=True),
    sa.Column("project_id", sa.String(255), nullable=True),
    sa.Column("display_name", sa.String(255), nullable=True),
    sa.Column("display_description", sa.String(255), nullable=True),
    sa.Column("hostname", sa.String(255), nullable=True),
    # States: vm_state (active, building, error, ...), task_state (scheduling,
    # spawning, deleting, ... or NULL), power_state (the hypervisor's code).
    sa.Column("vm_state", sa.String(255), nullable=True),
    sa.Column("task_state", sa.String(255), nullable=True),
    sa.Column("power_state", sa.Integer, nullable=True),
    sa.Column("host", sa.String(255), nullable=True),
    sa.Column("node", sa.String(255), nullable=True),
    sa.Column("launched_on", sa.Text, nullable=True),
    sa.Column("compute_id", sa.BigInteger, nullable=True),
    # The flavor as it was at boot (JSON) plus the sizes quota counting sums.
    sa.Column("flavor", sa.Text, nullable=True),
    sa.Column("memory_mb", sa.Integer, nullable=True),
    sa.Column("vcpus", sa.Integer, nullable=True),
    sa.Column("root_gb", sa.Integer, nullable=True),
    sa.Column("ephemeral_gb", sa.Integer, nullable=True),
    sa.Column("image_ref", sa.String(255), nullable=True),
    sa.Column("kernel_id", sa.String(255), nullable=True),
    sa.Column("ramdisk_id", sa.String(255), nullable=True),
    sa.Column("root_device_name", sa.String(255), nullable=True),
    sa.Column("availability_zone", sa.String(255), nullable=True),
    sa.Column("reservation_id", sa.String(255), nullable=True),
    sa.Column("launch_index", sa.Integer, nullable=True),
    sa.Column("key_name", sa.String(255), nullable=True),
    sa.Column("key_data", sa.Text, nullable=True),
    sa.Column("user_data", MediumText, nullable=True),
    sa.Column("config_drive", sa.String(255), nullable=True),
    sa.Column("access_ip_v4", sa.String(39), nullable=True),
    sa.Column("access_ip_v6", sa.String(39), nullable=True),
    sa.Column("progress", sa.Integer, nullable=True),
    flag("locked"),
    sa.Column("locked_by", sa.String(5), nullable=True),  # owner | admin
    sa.Column("locked_reason", sa.String(255), nullable=True),
    flag("auto_disk_config"),
    flag("disable_terminate"),
    flag("shutdown_terminate"),
    # A copy of the instance kept in the source cell during a cross-cell move.
    flag("hidden"),
    sa.Column("cleaned", sa.Integer, nullable=False, server_default="0"),
    sa.Column("scheduled_at", sa.DateTime, nullable=True),
    sa.Column("launched_at", sa.DateTime, nullable=True),
    sa.Column("terminated_at", sa.DateTime, nullable=True),
    *timestamps(),
    *soft_delete(),
    # Listing: default sort is created_at desc, id desc, filtered by deleted
    # and usually by project.
    sa.Index("ix_instances_deleted_created_at_id", "deleted", "created_at", "id"),
    sa.Index("ix_instances_project_id_deleted_created_at_id",
             "project_id", "deleted", "created_at", "id"),
    sa.Index("ix_instances_project_id_user_id", "project_id", "user_id"),
    sa.Index("ix_instances_host_node_deleted", "host", "node", "deleted"),
    sa.Index("ix_instances_updated_at_project_id", "updated_at", "project_id"),
    sa.Index("ix_instances_task_state_updated_at", "task_state", "updated_at"),
    sa.Index("ix_instances_reservation_id", "reservation_id"),
    sa.Index("ix_instances_display_name", "display_name"),
    sa.Index("ix_instances_terminated_at_launched_at", "terminated_at", "launched_at"),
)

instance_metadata = sa.Table(
    "instance_metadata", metadata,
    _id(),
    sa.Column("instance_uuid", sa.String(36), sa.ForeignKey("instances.uuid"),
              nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("value", sa.String(255), nullable=True),
    *timestamps(),
    *soft_delete(),
    sa.Index("ix_instance_metadata_instance_uuid_deleted", "instance_uuid", "deleted"),
)

instance_system_metadata = sa.Table(
    "instance_system_metadata", metadata,
    _id(),
    sa.Column("instance_uuid", sa.String(36), sa.ForeignKey("instances.uuid"),
              nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("value", sa.String(255), nullable=True),
    *timestamps(),
    *soft_delete(),
    sa.Index("ix_instance_system_metadata_instance_uuid_deleted", "instance_uuid", "deleted"),
)

instance_faults = sa.Table(
    "instance_faults", metadata,
    _id(),
    sa.Column("instance_uuid", sa.String(36), sa.ForeignKey("instances.uuid"),
              nullable=False),
    sa.Column("code", sa.Integer, nullable=False),
    sa.Column("message", sa.String(255), nullable=True),
    sa.Column("details", MediumText, nullable=True),
    sa.Column("host", sa.String(255), nullable=True),
    *timestamps(),
    # The API shows the newest fault of an instance.
    sa.Index("ix_instance_faults_instance_uuid_created_at_id",
             "instance_uuid", "created_at", "id"),
)

instance_actions = sa.Table(
    "instance_actions", metadata,
    _id(),
    sa.Column("action", sa.String(255), nullable=True),
    sa.Column("instance_uuid", sa.String(36), sa.ForeignKey("instances.uuid"),
              nullable=False),
    sa.Column("request_id", sa.String(255), nullable=True),
    sa.Column("user_id", sa.String(255), nullable=True),
    sa.Column("project_id", sa.String(255), nullable=True),
    sa.Column("start_time", sa.DateTime, nullable=True),
    sa.Column("finish_time", sa.DateTime, nullable=True),
    sa.Column("message", sa.String(255), nullable=True),
    *timestamps(),
    sa.Index("ix_instance_actions_instance_uuid_updated_at", "instance_uuid", "updated_at"),
    sa.Index("ix_instance_actions_instance_uuid_request_id", "instance_uuid", "request_id"),
)

instance_actions_events = sa.Table(
    "instance_actions_events", metadata,
    _id(),
    sa.Column("event", sa.String(255), nullable=True),
    sa.Column("action_id", sa.Integer,
              sa.ForeignKey("instance_actions.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("start_time", sa.DateTime, nullable=True),
    sa.Column("finish_time", sa.DateTime, nullable=True),
    sa.Column("result", sa.String(255), nullable=True),  # Success | Error
    sa.Column("traceback", sa.Text, nullable=True),
    sa.Column("host", sa.String(255), nullable=True),
    sa.Column("details", sa.Text, nullable=True),
    *timestamps(),
)

block_device_mapping = sa.Table(
    "block_device_mapping", metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=True, unique=True),
    sa.Column("instance_uuid", sa.String(36), sa.ForeignKey("instances.uuid"),
              nullable=False),
    sa.Column("source_type", sa.String(255), nullable=True),       # image|volume|snapshot|blank
    sa.Column("destination_type", sa.String(255), nullable=True),  # local|volume
    sa.Column("boot_index", sa.Integer, nullable=True),
    sa.Column("device_name", sa.String(255), nullable=True),
    flag("delete_on_termination"),
    sa.Column("volume_id", sa.String(255), nullable=True, index=True),
    sa.Column("snapshot_id", sa.String(255), nullable=True, index=True),
    sa.Column("image_id", sa.String(255), nullable=True),
    sa.Column("volume_size", sa.Integer, nullable=True),
    sa.Column("volume_type", sa.String(255), nullable=True),
    sa.Column("disk_bus", sa.String(255), nullable=True),
    sa.Column("device_type", sa.String(255), nullable=True),
    sa.Column("guest_format", sa.String(255), nullable=True),
    flag("no_device"),
    sa.Column("connection_info", MediumText, nullable=True),  # JSON
    sa.Column("tag", sa.String(255), nullable=True),
    # The volume service attachment (new attach flow); NULL for local disks.
    sa.Column("attachment_id", sa.String(36), nullable=True),
    flag("encrypted"),
    sa.Column("encryption_secret_uuid", sa.String(36), nullable=True),
    sa.Column("encryption_format", sa.String(128), nullable=True),
    sa.Column("encryption_options", sa.String(4096), nullable=True),
    *timestamps(),
    *soft_delete(),
    sa.Index("ix_block_device_mapping_instance_uuid_deleted", "instance_uuid", "deleted"),
)

services = sa.Table(
    "services", metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=True, unique=True),
    sa.Column("host", sa.String(255), nullable=True),
    sa.Column("binary", sa.String(255), nullable=True),   # nova-compute, nova-conductor, ...
    sa.Column("topic", sa.String(255), nullable=True),
    sa.Column("report_count", sa.Integer, nullable=False, server_default="0"),
    flag("disabled"),
    sa.Column("disabled_reason", sa.String(255), nullable=True),
    sa.Column("last_seen_up", sa.DateTime, nullable=True),
    flag("forced_down"),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    *timestamps(),
    *soft_delete(),
    sa.UniqueConstraint("host", "binary", "deleted"),
    sa.UniqueConstraint("host", "topic", "deleted"),
    sa.Index("ix_services_binary_deleted", "binary", "deleted"),
    # Ids are numbered in the cell's range (nubes/cells/id_ranges.py): on
    # SQLite its start is kept in sqlite_sequence, for AUTOINCREMENT tables only.
    sqlite_autoincrement=True,
)

compute_nodes = sa.Table(
    "compute_nodes", metadata,
    _id(),
    # The placement resource provider of this node has the same uuid.
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("service_id", sa.Integer, nullable=True),
    sa.Column("host", sa.String(255), nullable=True),
    sa.Column("hypervisor_hostname", sa.String(255), nullable=True),
    sa.Column("hypervisor_type", sa.String(255), nullable=True),
    sa.Column("hypervisor_version", sa.BigInteger, nullable=True),
    sa.Column("host_ip", sa.String(39), nullable=True),
    sa.Column("vcpus", sa.Integer, nullable=False, server_default="0"),
    sa.Column("memory_mb", sa.Integer, nullable=False, server_default="0"),
    sa.Column("local_gb", sa.Integer, nullable=False, server_default="0"),
    sa.Column("vcpus_used", sa.Integer, nullable=False, server_default="0"),
    sa.Column("memory_mb_used", sa.Integer, nullable=False, server_default="0"),
    sa.Column("local_gb_used", sa.Integer, nullable=False, server_default="0"),
    sa.Column("free_ram_mb", sa.Integer, nullable=True),
    sa.Column("free_disk_gb", sa.Integer, nullable=True),
    sa.Column("disk_available_least", sa.Integer, nullable=True),
    sa.Column("current_workload", sa.Integer, nullable=True),
    sa.Column("running_vms", sa.Integer, nullable=True),
    sa.Column("cpu_info", MediumText, nullable=True),
    sa.Column("stats", sa.Text, nullable=True),            # JSON
    sa.Column("numa_topology", sa.Text, nullable=True),
    sa.Column("pci_stats", sa.Text, nullable=True),
    sa.Column("supported_instances", sa.Text, nullable=True),
    sa.Column("cpu_allocation_ratio", sa.Double, nullable=True),
    sa.Column("ram_allocation_ratio", sa.Double, nullable=True),
    sa.Column("disk_allocation_ratio", sa.Double, nullable=True),
    # 1 once `discover_hosts` has a host mapping for this node's host.
    sa.Column("mapped", sa.Integer, nullable=False, server_default="0"),
    *timestamps(),
    *soft_delete(),
    sa.UniqueConstraint("host", "hypervisor_hostname", "deleted"),
    sa.Index("ix_compute_nodes_mapped_deleted", "mapped", "deleted"),
    sa.Index("ix_compute_nodes_hypervisor_hostname", "hypervisor_hostname"),
    sqlite_autoincrement=True,   # as services
)

tags = sa.Table(
    "tags", metadata,
    sa.Column("resource_id", sa.String(36), sa.ForeignKey("instances.uuid"),
              primary_key=True),
    sa.Column("tag", sa.String(60), primary_key=True),
    sa.Index("ix_tags_tag", "tag"),
)

# Moves of an instance (cold migration, resize, live migration, evacuation):
# written by the move operations, listed by os-migrations.  A migration's
# uuid is its placement consumer while the move holds the source's
# allocation; ``hidden`` marks the source cell's copy of a cross-cell move.
migrations = sa.Table(
    "migrations", metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=True, unique=True),
    sa.Column("source_compute", sa.String(255), nullable=True),
    sa.Column("dest_compute", sa.String(255), nullable=True),
    sa.Column("source_node", sa.String(255), nullable=True),
    sa.Column("dest_node", sa.String(255), nullable=True),
    sa.Column("dest_host", sa.String(255), nullable=True),
    sa.Column("old_instance_type_id", sa.Integer, nullable=True),
    sa.Column("new_instance_type_id", sa.Integer, nullable=True),
    sa.Column("instance_uuid", sa.String(36), sa.ForeignKey("instances.uuid"),
              nullable=True),
    sa.Column("status", sa.String(255), nullable=True),
    # migration | resize | live-migration | evacuation
    sa.Column("migration_type", sa.String(255), nullable=True),
    flag("hidden"),
    sa.Column("memory_total", sa.BigInteger, nullable=True),
    sa.Column("memory_processed", sa.BigInteger, nullable=True),
    sa.Column("memory_remaining", sa.BigInteger, nullable=True),
    sa.Column("disk_total", sa.BigInteger, nullable=True),
    sa.Column("disk_processed", sa.BigInteger, nullable=True),
    sa.Column("disk_remaining", sa.BigInteger, nullable=True),
    flag("cross_cell_move"),
    sa.Column("user_id", sa.String(255), nullable=True),
    sa.Column("project_id", sa.String(255), nullable=True),
    # The instance's flavor columns before and after the move (JSON): a
    # revert puts the old ones back.
    sa.Column("old_flavor", sa.Text, nullable=True),
    sa.Column("new_flavor", sa.Text, nullable=True),
    *timestamps(),
    *soft_delete(),
    # os-migrations: newest first (created_at, id desc), and its filters.
    sa.Index("ix_migrations_deleted_created_at_id", "deleted", "created_at", "id"),
    sa.Index("ix_migrations_instance_uuid_deleted_status",
             "instance_uuid", "deleted", "status"),
    sa.Index("ix_migrations_source_compute_deleted_status",
             "source_compute", "deleted", "status"),
    sa.Index("ix_migrations_dest_compute_deleted_status", "dest_compute", "deleted", "status"),
    sa.Index("ix_migrations_updated_at", "updated_at"),
    sa.Index("ix_migrations_project_id_user_id", "project_id", "user_id"),
)
