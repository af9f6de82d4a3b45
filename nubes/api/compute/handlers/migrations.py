"""``GET /os-migrations`` (admin): migrations of every cell, newest first.

Filters ``host`` (source or destination), ``status``, ``source_compute``,
``instance_uuid``, ``migration_type`` (shown from 2.23); ``changes-since``,
``limit``/``marker`` (a migration uuid) from 2.59; ``changes-before`` from
2.66; ``user_id``/``project_id`` from 2.80.  Other parameters are ignored;
before 2.59 a listing is cut at ``[api] max_limit``.

``GET /servers/{id}/migrations[/{migration_id}]`` (2.23+, admin): the
server's live migrations in progress.
"""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.handlers.flavors import url_builder
from nubes.api.compute.policies import migrations as policy
from nubes.api.compute.schemas import servers as server_schema
from nubes.api.compute.service import migrations as service
from nubes.api.compute.service import server_live_migrate as live_service
from nubes.api.compute.views import collection_links as links_view
from nubes.api.compute.views import migrations as view
from nubes.common.wsgi import errors

_PLAIN = ("host", "status", "source_compute", "instance_uuid", "migration_type")


def _filters(req) -> service.MigrationFilters:
    version = respond.version(req)
    filters = service.MigrationFilters(**{name: respond.query(req, name) for name in _PLAIN})
    if version >= (2, 59) and respond.query(req, "changes-since") is not None:
        filters.changes_since = server_schema.timestamp(respond.query(req, "changes-since"),
                                                        "changes-since")
    if version >= (2, 66) and respond.query(req, "changes-before") is not None:
        filters.changes_before = server_schema.timestamp(
            respond.query(req, "changes-before"), "changes-before")
        if filters.changes_since and filters.changes_since > filters.changes_before:
            raise errors.BadRequest("The value of changes-since must be less than or equal "
                                    "to changes-before.")
    if version >= (2, 80):
        filters.user_id = respond.query(req, "user_id")
        filters.project_id = respond.query(req, "project_id")
    return filters



def list_migrations(req, resp) -> None:
    respond.authorize(req, policy.INDEX)
    version = respond.version(req)
    max_limit = respond.state(req).conf.api.max_limit
    limit, marker = max_limit, None
    if version >= (2, 59):
        limit = respond.query_limit(req, max_limit)
        marker = respond.query(req, "marker")
    found = service.list_migrations(respond.state(req), respond.ctx(req), _filters(req),
                                    limit=limit, marker=marker)
    url = url_builder(req)
    body = {"migrations": [view.migration(version, m, url) for m in found]}
    if version >= (2, 59) and found and len(found) == limit:
        body["migrations_links"] = links_view.next_links(
            respond.url(req, "/os-migrations"), links_view.request_params(req),
            found[-1]["uuid"])
    respond.send(resp, body)


def list_server_migrations(req, resp, server_id: str) -> None:
    respond.require_version(req, (2, 23))
    respond.authorize(req, policy.SERVER_INDEX)
    found = service.server_migrations(respond.state(req), respond.ctx(req), server_id)
    version = respond.version(req)
    respond.send(resp, {"migrations": [view.server_migration(version, m) for m in found]})


def show_server_migration(req, resp, server_id: str, migration_id: str) -> None:
    respond.require_version(req, (2, 23))
    respond.authorize(req, policy.SERVER_SHOW)
    try:
        number = int(migration_id)
    except ValueError:
        number = -1
    found = service.server_migrations(respond.state(req), respond.ctx(req), server_id,
                                      number) if 0 < number < 2**31 else []
    if not found:
        raise errors.NotFound(f"In-progress live migration {migration_id[:64]} is not found "
                              f"for server {server_id}.")
    respond.send(resp, {"migration": view.server_migration(respond.version(req), found[0])})


def _migration_number(migration_id: str, server_id: str) -> int:
    try:
        number = int(migration_id)
    except ValueError:
        number = -1
    if not 0 < number < 2**31:
        raise errors.NotFound(f"Migration {migration_id[:64]} could not be found for "
                              f"instance {server_id}.")
    return number


_FORCE_COMPLETE = {"type": "object", "properties": {"force_complete": {"type": "null"}},
                   "required": ["force_complete"], "additionalProperties": False}


def server_migration_action(req, resp, server_id: str, migration_id: str) -> None:
    """``{"force_complete": null}`` (2.22+): 202."""
    respond.require_version(req, (2, 22))
    respond.authorize(req, policy.FORCE_COMPLETE)
    respond.read_body(req, _FORCE_COMPLETE)
    live_service.force_complete(respond.state(req), respond.ctx(req), server_id,
                                _migration_number(migration_id, server_id))
    respond.empty(resp, 202)


def delete_server_migration(req, resp, server_id: str, migration_id: str) -> None:
    """Abort a running live migration (2.24+): 202."""
    respond.require_version(req, (2, 24))
    respond.authorize(req, policy.SERVER_DELETE)
    live_service.abort(respond.state(req), respond.ctx(req), server_id,
                       _migration_number(migration_id, server_id))
    respond.empty(resp, 202)
