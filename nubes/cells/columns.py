"""Column helpers shared by the API and cell schemas.

Both schemas use the same constraint naming convention as placement so
names are predictable in migrations (and stay under MySQL's 64 and
PostgreSQL's 63 character limits: a test checks every name).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

# Serialized objects (a build request's instance, a request spec) outgrow
# MySQL's 64 KiB TEXT; MEDIUMTEXT holds 16 MiB.  Other backends have one
# unbounded text type.
MediumText = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def new_metadata() -> sa.MetaData:
    return sa.MetaData(naming_convention=NAMING_CONVENTION)


def binary_string(length: int) -> sa.types.TypeEngine:
    """A VARCHAR compared byte for byte on MySQL (utf8mb4_bin), so keys that
    differ only in case or accents stay distinct, as they do on the other
    backends."""
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb")


def timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=True)]


def soft_delete() -> list[sa.Column]:
    """``deleted`` is 0 for a live row and the row's id once soft-deleted, so
    a unique key that includes ``deleted`` lets a name be reused."""
    return [sa.Column("deleted_at", sa.DateTime, nullable=True),
            sa.Column("deleted", sa.Integer, nullable=False, server_default="0")]


def flag(name: str, default: bool = False) -> sa.Column:
    return sa.Column(name, sa.Boolean, nullable=False,
                     server_default=sa.true() if default else sa.false())
