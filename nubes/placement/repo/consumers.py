"""SQL for consumers and the projects, users and consumer types they name.

A consumer row exists exactly while the consumer holds allocations; its
``generation`` is bumped by every write of its allocations with a guarded
UPDATE (or, for the last write, a guarded DELETE), like a provider's.

Statements are built once at import: the allocation write path runs them
on every request.
"""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow
from nubes.placement.models import consumer_types, consumers, projects, users

# The consumer's own project, user and type (aliases, so that the id look-ups
# below stay uncorrelated subqueries of the base tables).
_project = projects.alias("consumer_project")
_user = users.alias("consumer_user")
_type = consumer_types.alias("consumer_type")

_COLUMNS = (consumers.c.id, consumers.c.uuid, consumers.c.generation,
            consumers.c.project_id, consumers.c.user_id, consumers.c.consumer_type_id,
            _project.c.external_id.label("project_external_id"),
            _user.c.external_id.label("user_external_id"),
            _type.c.name.label("consumer_type"))


def _outer(base):
    return (base.outerjoin(_project, _project.c.id == consumers.c.project_id)
            .outerjoin(_user, _user.c.id == consumers.c.user_id)
            .outerjoin(_type, _type.c.id == consumers.c.consumer_type_id))


_GET_MANY = (sa.select(*_COLUMNS).select_from(_outer(consumers))
             .where(consumers.c.uuid.in_(sa.bindparam("uuids", expanding=True))))

_PROJECT_ID = (sa.select(projects.c.id).where(projects.c.external_id == sa.bindparam("project"))
               .scalar_subquery())
_USER_ID = (sa.select(users.c.id).where(users.c.external_id == sa.bindparam("user"))
            .scalar_subquery())
_TYPE_ID = (sa.select(consumer_types.c.id)
            .where(consumer_types.c.name == sa.bindparam("type_name")).scalar_subquery())
_IDS = sa.select(_PROJECT_ID.label("project"), _USER_ID.label("user"), _TYPE_ID.label("type"))

# One consumer (or a row of NULLs) plus the ids of the project, user and
# type a write names, in one round trip.
_one = sa.select(sa.literal_column("1").label("one")).subquery("one")
_GET_ONE_WITH_IDS = sa.select(
    *_COLUMNS, _PROJECT_ID.label("want_project"), _USER_ID.label("want_user"),
    _TYPE_ID.label("want_type"),
).select_from(_outer(_one.outerjoin(consumers, consumers.c.uuid == sa.bindparam("uuid"))))

_INSERT = sa.insert(consumers)
_UPDATE = (sa.update(consumers)
           .where(consumers.c.id == sa.bindparam("b_id"),
                  consumers.c.generation == sa.bindparam("b_generation"))
           .values(generation=sa.bindparam("b_new_generation"),
                   project_id=sa.bindparam("b_project_id"), user_id=sa.bindparam("b_user_id"),
                   consumer_type_id=sa.bindparam("b_type_id"),
                   updated_at=sa.bindparam("b_now")))
_DELETE = sa.delete(consumers).where(consumers.c.id == sa.bindparam("b_id"),
                                     consumers.c.generation == sa.bindparam("b_generation"))


class DuplicateConsumer(Exception):
    """Another transaction created the same consumer first."""


@dataclasses.dataclass(frozen=True)
class Ids:
    """Row ids of a write's project, user and consumer type (None: absent,
    or not asked for)."""
    project: int | None = None
    user: int | None = None
    type: int | None = None


def get_many(conn: sa.Connection, uuids: list[str]) -> dict[str, sa.Row]:
    """Consumer rows (with project/user external ids and type name) by uuid."""
    return {row.uuid: row for row in conn.execute(_GET_MANY, {"uuids": uuids})}


def get_with_ids(conn: sa.Connection, uuid: str, *, project: str, user: str,
                 type_name: str | None) -> tuple[sa.Row | None, Ids]:
    """One consumer's row (None if it does not exist) and the ids of the
    named project, user and type as they stand, in one statement."""
    row = conn.execute(_GET_ONE_WITH_IDS, {"uuid": uuid, "project": project, "user": user,
                                           "type_name": type_name}).one()
    ids = Ids(row.want_project, row.want_user, row.want_type)
    return (row if row.id is not None else None), ids


def resolve_ids(conn: sa.Connection, *, project: str | None = None, user: str | None = None,
                type_name: str | None = None, known: Ids | None = None) -> Ids:
    """Ids of a project, a user and a consumer type by external id / name,
    creating those that do not exist yet (safe against concurrent creators).

    ``known`` (from :func:`get_with_ids`) saves the look-up when it already
    has every id asked for.
    """
    wanted = {"project": project, "user": user, "type": type_name}

    def complete(ids: Ids | None) -> bool:
        return ids is not None and all(getattr(ids, key) is not None
                                       for key, value in wanted.items() if value is not None)

    if not complete(known):
        row = conn.execute(_IDS, {"project": project, "user": user,
                                  "type_name": type_name}).one()
        known = Ids(row.project, row.user, row.type)
    if not complete(known):
        now = utcnow()
        if project is not None and known.project is None:
            insert_ignoring_duplicates(conn, projects, [{"external_id": project,
                                                         "created_at": now}])
        if user is not None and known.user is None:
            insert_ignoring_duplicates(conn, users, [{"external_id": user, "created_at": now}])
        if type_name is not None and known.type is None:
            insert_ignoring_duplicates(conn, consumer_types, [{"name": type_name,
                                                               "created_at": now}])
        row = conn.execute(_IDS, {"project": project, "user": user,
                                  "type_name": type_name}).one()
        known = Ids(row.project, row.user, row.type)
    return Ids(known.project if project is not None else None,
               known.user if user is not None else None,
               known.type if type_name is not None else None)


def insert(conn: sa.Connection, *, uuid: str, project_id: int, user_id: int,
           consumer_type_id: int | None, generation: int) -> None:
    """Create a consumer; DuplicateConsumer when a concurrent writer won."""
    try:
        conn.execute(_INSERT, {"uuid": uuid, "project_id": project_id, "user_id": user_id,
                               "consumer_type_id": consumer_type_id,
                               "generation": generation, "created_at": utcnow()})
    except sa_exc.IntegrityError as error:
        raise DuplicateConsumer(uuid) from error


def update_guarded(conn: sa.Connection, row: sa.Row, *, project_id: int, user_id: int,
                   consumer_type_id: int | None) -> bool:
    """Bump the generation (and set the owner and type) if it is still
    the one ``row`` was read at."""
    result = conn.execute(_UPDATE, {
        "b_id": row.id, "b_generation": row.generation,
        "b_new_generation": row.generation + 1, "b_project_id": project_id,
        "b_user_id": user_id, "b_type_id": consumer_type_id, "b_now": utcnow()})
    return result.rowcount == 1


def delete_guarded(conn: sa.Connection, row: sa.Row) -> bool:
    """Remove the consumer if its generation is still the one ``row`` was read at."""
    result = conn.execute(_DELETE, {"b_id": row.id, "b_generation": row.generation})
    return result.rowcount == 1
