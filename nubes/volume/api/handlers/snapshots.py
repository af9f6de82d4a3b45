"""``/snapshots``: create, list (summary and detail), show, update,
delete, metadata, and the admin actions (reset_status, force_delete)."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.volume.api import microversions as mv
from nubes.volume.api.handlers import listing, respond
from nubes.volume.api.handlers.metadata import Metadata, Rules
from nubes.volume.api.policies import snapshots as rules
from nubes.volume.api.schemas import snapshots as schemas
from nubes.volume.api.schemas.common import as_bool
from nubes.volume.api.service import snapshots as service
from nubes.volume.api.views import snapshots as views
from nubes.volume.repo.snapshots import SORT_COLUMNS

USER_FILTERS = ("name", "status", "volume_id", "metadata")
INEXACT = ("name~", "description~")
IGNORED = ("with_count", "all_tenants", "project_id")


def view(req, record) -> dict:
    extended = respond.allowed(req, rules.EXTENDED_ATTRIBUTES, {"project_id": record.project_id})
    return views.detail(req, record, extended=extended)


def _in_use_allowed(req, force) -> bool:
    """Whether an in-use volume may be snapshotted: with ``force`` before
    3.66; always from 3.66, where ``force`` false is refused."""
    if respond.version(req) >= mv.SNAPSHOT_IN_USE:
        if force is not None and not as_bool(force):
            raise errors.BadRequest(
                "Invalid input received: The 'force' flag is not allowed to be false at "
                "microversion 3.66 and later: snapshots of in-use volumes are always "
                "allowed.")
        return True
    return force is not None and as_bool(force)


def create_snapshot(req, resp, project_id=None) -> None:
    respond.authorize(req, rules.CREATE)
    data = respond.read_body(req, schemas.CREATE)["snapshot"]
    new = service.NewSnapshot(
        volume_id=data["volume_id"], name=data.get("name", data.get("display_name")),
        description=data.get("description", data.get("display_description")),
        metadata=data.get("metadata") or {},
        in_use_allowed=_in_use_allowed(req, data.get("force")))
    record = service.create(respond.state(req), respond.ctx(req), new)
    respond.send(resp, {"snapshot": views.detail(req, record, extended=False)}, status=202)


def _filter_value(name: str, value: str):
    return listing.parse_metadata(value) if name == "metadata" else value


def _list(req, resp, detail: bool) -> None:
    respond.authorize(req, rules.GET_ALL)
    filters = listing.filters(req, rules.ALL_TENANTS, USER_FILTERS, INEXACT, IGNORED,
                              _filter_value)
    page = listing.request(req, filters, SORT_COLUMNS)
    found, total = service.list_snapshots(respond.db(req), respond.ctx(req), page)
    items = [view(req, r) if detail else views.detail(req, r, extended=False) for r in found]
    respond.send(resp, listing.body(req, "snapshots", items, page, found, total))


def list_snapshots(req, resp, project_id=None) -> None:
    _list(req, resp, detail=False)


def list_snapshots_detail(req, resp, project_id=None) -> None:
    _list(req, resp, detail=True)


def show_snapshot(req, resp, snapshot_id, project_id=None) -> None:
    respond.authorize(req, rules.GET)
    record = service.get(respond.db(req), respond.ctx(req), snapshot_id)
    respond.send(resp, {"snapshot": view(req, record)})


def update_snapshot(req, resp, snapshot_id, project_id=None) -> None:
    respond.authorize(req, rules.UPDATE)
    data = respond.read_body(req, schemas.UPDATE)["snapshot"]
    values = {}
    for field in ("name", "description"):
        if field in data or f"display_{field}" in data:
            values[field] = data.get(field, data.get(f"display_{field}"))
    if not values:
        raise errors.BadRequest("Invalid input received: no snapshot field to update.")
    record = service.update(respond.db(req), respond.ctx(req), snapshot_id, values)
    respond.send(resp, {"snapshot": view(req, record)})


def delete_snapshot(req, resp, snapshot_id, project_id=None) -> None:
    respond.authorize(req, rules.DELETE)
    service.delete(respond.state(req), respond.ctx(req), snapshot_id)
    respond.empty(resp, 202)


def _reset_status(req, snapshot_id, body) -> int:
    respond.authorize(req, rules.RESET_STATUS)
    service.reset_status(respond.db(req), respond.ctx(req), snapshot_id, body["status"])
    return 202


def _force_delete(req, snapshot_id, body) -> int:
    respond.authorize(req, rules.FORCE_DELETE)
    service.delete(respond.state(req), respond.ctx(req), snapshot_id, force=True)
    return 202


ACTIONS = {
    "os-reset_status": (schemas.RESET_STATUS, _reset_status),
    "os-force_delete": (schemas.FORCE_DELETE, _force_delete),
}


def snapshot_action(req, resp, snapshot_id, project_id=None) -> None:
    respond.run_action(req, resp, ACTIONS, snapshot_id)


def _metadata_of(db, ctx, snapshot_id: str) -> dict[str, str]:
    return service.get(db, ctx, snapshot_id).metadata


METADATA = Metadata("Snapshot", "snapshot_id",
                    Rules(rules.METADATA_GET, rules.METADATA_UPDATE, rules.METADATA_UPDATE,
                          rules.METADATA_DELETE),
                    _metadata_of, service.set_metadata, service.delete_metadata_key)
