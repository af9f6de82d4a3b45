"""Volume database tables (SQLAlchemy Core).

Volumes, their types (with extra specs and, for private types, the
projects that may use them), their user metadata and attachments; quota
limits set per project; and two tables of lock rows: ``quota_locks`` (one
per project: creates of one project count and insert one after the other)
and ``pools`` (one per backend pool: a new volume's pool is chosen and its
capacity counted under the pool's row).  Usage is counted from the
volumes themselves, never kept as a running total.  Rows are deleted
outright (no soft delete).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# The constraint naming convention every nubes schema uses.
metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
})


def binary_string(length: int) -> sa.types.TypeEngine:
    """Compared byte for byte on MySQL too (names and keys are case-sensitive)."""
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb")


def timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=True)]


volume_types = sa.Table(
    "volume_types", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", binary_string(255), nullable=False),
    sa.Column("description", sa.String(255), nullable=True),
    sa.Column("is_public", sa.Boolean, nullable=False, server_default=sa.true()),
    *timestamps(),
    sa.UniqueConstraint("name"),
)

volume_type_extra_specs = sa.Table(
    "volume_type_extra_specs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("volume_type_id", sa.String(36),
              sa.ForeignKey("volume_types.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", binary_string(255), nullable=False),
    sa.Column("value", sa.String(255), nullable=False),
    *timestamps(),
    sa.UniqueConstraint("volume_type_id", "key"),
)

volume_type_projects = sa.Table(
    "volume_type_projects", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("volume_type_id", sa.String(36),
              sa.ForeignKey("volume_types.id", ondelete="CASCADE"), nullable=False),
    sa.Column("project_id", sa.String(255), nullable=False),
    *timestamps(),
    sa.UniqueConstraint("volume_type_id", "project_id"),
)

volumes = sa.Table(
    "volumes", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("description", sa.String(255), nullable=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("attach_status", sa.String(32), nullable=False),
    sa.Column("migration_status", sa.String(32), nullable=True),
    sa.Column("volume_type_id", sa.String(36), sa.ForeignKey("volume_types.id"),
              nullable=False),
    sa.Column("availability_zone", sa.String(255), nullable=False),
    # <host>@<backend>#<pool> once a pool was chosen; the backend's own
    # reference to the volume's bytes once they exist.
    sa.Column("host", sa.String(255), nullable=True),
    sa.Column("provider_location", sa.String(1024), nullable=True),
    sa.Column("bootable", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("multiattach", sa.Boolean, nullable=False, server_default=sa.false()),
    # Why the volume is in an error state (kept for operators and logs).
    sa.Column("error_message", sa.String(1024), nullable=True),
    sa.Column("launched_at", sa.DateTime, nullable=True),
    # What the volume was made from (its data was copied at creation).
    sa.Column("snapshot_id", sa.String(36), nullable=True),
    sa.Column("source_volid", sa.String(36), nullable=True),
    *timestamps(),
    sa.Index("ix_volumes_project_id_created_at", "project_id", "created_at"),
    sa.Index("ix_volumes_host", "host"),
    sa.Index("ix_volumes_volume_type_id", "volume_type_id"),
)

volume_metadata = sa.Table(
    "volume_metadata", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("volume_id", sa.String(36), sa.ForeignKey("volumes.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("key", binary_string(255), nullable=False),
    sa.Column("value", sa.String(255), nullable=False),
    *timestamps(),
    sa.UniqueConstraint("volume_id", "key"),
)

volume_attachment = sa.Table(
    "volume_attachment", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("volume_id", sa.String(36), sa.ForeignKey("volumes.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("instance_uuid", sa.String(36), nullable=True),
    sa.Column("attached_host", sa.String(255), nullable=True),
    sa.Column("mountpoint", sa.String(255), nullable=True),
    sa.Column("attach_time", sa.DateTime, nullable=True),
    sa.Column("detach_time", sa.DateTime, nullable=True),
    sa.Column("attach_mode", sa.String(36), nullable=True),
    sa.Column("attach_status", sa.String(32), nullable=False),
    sa.Column("connector", sa.Text, nullable=True),
    sa.Column("connection_info", sa.Text, nullable=True),
    *timestamps(),
    sa.Index("ix_volume_attachment_volume_id", "volume_id"),
    sa.Index("ix_volume_attachment_instance_uuid", "instance_uuid"),
)

# Image properties of a volume made from an image (cinder's
# ``volume_glance_metadata``; shown as ``volume_image_metadata``).
volume_image_metadata = sa.Table(
    "volume_image_metadata", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("volume_id", sa.String(36), sa.ForeignKey("volumes.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("key", binary_string(255), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    *timestamps(),
    sa.UniqueConstraint("volume_id", "key"),
)

# A snapshot is a copy of its volume's bytes in the volume's pool; it
# counts in the project's ``snapshots`` and ``gigabytes`` quotas.
snapshots = sa.Table(
    "snapshots", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=True),
    sa.Column("volume_id", sa.String(36), sa.ForeignKey("volumes.id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("description", sa.String(255), nullable=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("progress", sa.String(32), nullable=True),
    sa.Column("provider_location", sa.String(1024), nullable=True),
    sa.Column("error_message", sa.String(1024), nullable=True),
    *timestamps(),
    sa.Index("ix_snapshots_project_id_created_at", "project_id", "created_at"),
    sa.Index("ix_snapshots_volume_id", "volume_id"),
)

snapshot_metadata = sa.Table(
    "snapshot_metadata", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("snapshot_id", sa.String(36),
              sa.ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", binary_string(255), nullable=False),
    sa.Column("value", sa.String(255), nullable=False),
    *timestamps(),
    sa.UniqueConstraint("snapshot_id", "key"),
)

quotas = sa.Table(
    "quotas", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("resource", binary_string(300), nullable=False),
    sa.Column("hard_limit", sa.Integer, nullable=False),
    *timestamps(),
    sa.UniqueConstraint("project_id", "resource"),
)

quota_locks = sa.Table(
    "quota_locks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("project_id"),
)

pools = sa.Table(
    "pools", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(255), nullable=False),     # <host>@<backend>#<pool>
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("name"),
)
