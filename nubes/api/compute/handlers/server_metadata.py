"""/servers/{id}/metadata: list, merge (POST), replace (PUT);
/servers/{id}/metadata/{key}: show, set (PUT ``{"meta": {key: value}}``,
the key in the URL and in the body must be the same), delete.

Changes are refused (409) while the server is building, busy with a task,
or locked (but for admins); more items than the ``metadata_items`` quota
is a 403 (``service.server_metadata``)."""
from __future__ import annotations

from nubes.api.compute.handlers import respond, server_access
from nubes.api.compute.policies import server_metadata as policy
from nubes.api.compute.schemas import server_metadata as schema
from nubes.api.compute.service import server_metadata as service
from nubes.api.compute.service import servers as server_service
from nubes.common.wsgi import errors

_WITH_METADATA = server_service.Extras(metadata=True)


def _not_found() -> errors.NotFound:
    return errors.NotFound("Metadata item was not found")


def list_metadata(req, resp, server_id: str) -> None:
    server = server_access.authorized(req, server_id, policy.INDEX, extras=_WITH_METADATA)
    respond.send(resp, {"metadata": dict(server.metadata)})


def _write_all(req, resp, server_id: str, rule: str, *, replace: bool) -> None:
    items = respond.read_body(req, schema.ALL)["metadata"]
    server = server_access.authorized(req, server_id, rule)
    metadata = service.update(respond.state(req), respond.ctx(req), server.uuid, items,
                              replace=replace)
    respond.send(resp, {"metadata": metadata})


def merge_metadata(req, resp, server_id: str) -> None:
    _write_all(req, resp, server_id, policy.CREATE, replace=False)


def replace_metadata(req, resp, server_id: str) -> None:
    _write_all(req, resp, server_id, policy.UPDATE_ALL, replace=True)


def show_item(req, resp, server_id: str, key: str) -> None:
    server = server_access.authorized(req, server_id, policy.SHOW, extras=_WITH_METADATA)
    if key not in server.metadata:
        raise _not_found()
    respond.send(resp, {"meta": {key: server.metadata[key]}})


def set_item(req, resp, server_id: str, key: str) -> None:
    meta = respond.read_body(req, schema.ITEM)["meta"]
    if key not in meta:
        raise errors.BadRequest("Request body and URI mismatch")
    server = server_access.authorized(req, server_id, policy.UPDATE)
    service.update(respond.state(req), respond.ctx(req), server.uuid, {key: meta[key]},
                   replace=False)
    respond.send(resp, {"meta": {key: meta[key]}})


def delete_item(req, resp, server_id: str, key: str) -> None:
    server = server_access.authorized(req, server_id, policy.DELETE)
    service.delete_item(respond.state(req), respond.ctx(req), server.uuid, key)
    respond.empty(resp, 204)
