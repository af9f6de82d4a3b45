"""Image database tables (SQLAlchemy Core).

An image's custom properties and tags live in their own tables; its data
lives in the image store (:mod:`nubes.image.store`), found again through
``location`` (never shown to users; NULL while there is no data).  Images
are deleted outright (no soft delete).
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
    """Compared byte for byte on MySQL too (names and tags are case-sensitive)."""
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb")


def flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean, nullable=False, server_default=sa.false())


def timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=True)]


images = sa.Table(
    "images", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("visibility", sa.String(20), nullable=False),
    flag("protected"),
    flag("os_hidden"),
    sa.Column("owner", sa.String(255), nullable=True),
    sa.Column("size", sa.BigInteger, nullable=True),
    sa.Column("virtual_size", sa.BigInteger, nullable=True),
    sa.Column("checksum", sa.String(32), nullable=True),
    sa.Column("os_hash_algo", sa.String(64), nullable=True),
    sa.Column("os_hash_value", sa.String(128), nullable=True),
    sa.Column("min_ram", sa.Integer, nullable=False, server_default="0"),
    sa.Column("min_disk", sa.Integer, nullable=False, server_default="0"),
    sa.Column("disk_format", sa.String(20), nullable=True),
    sa.Column("container_format", sa.String(20), nullable=True),
    sa.Column("location", sa.String(2048), nullable=True),
    *timestamps(),
    sa.Index("ix_images_owner", "owner"),
    sa.Index("ix_images_visibility_status", "visibility", "status"),
    sa.Index("ix_images_created_at", "created_at"),
)

image_properties = sa.Table(
    "image_properties", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("image_id", sa.String(36), sa.ForeignKey("images.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("name", binary_string(255), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    *timestamps(),
    sa.UniqueConstraint("image_id", "name"),
    sa.Index("ix_image_properties_name", "name"),
)

image_tags = sa.Table(
    "image_tags", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("image_id", sa.String(36), sa.ForeignKey("images.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("value", binary_string(255), nullable=False),
    *timestamps(),
    sa.UniqueConstraint("image_id", "value"),
    sa.Index("ix_image_tags_value", "value"),
)
