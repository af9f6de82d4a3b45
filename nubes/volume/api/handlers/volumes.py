"""``/volumes``: create, list (summary and detail), show, update, delete."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.volume.api.handlers import listing, respond
from nubes.volume.api.policies import volumes as rules
from nubes.volume.api.schemas import volumes as schemas
from nubes.volume.api.schemas.common import as_int
from nubes.volume.api.service import volume_create
from nubes.volume.api.service import volumes as service
from nubes.volume.api.views import volumes as views
from nubes.volume.repo.volumes import SORT_COLUMNS

# Filters users may give (3.31+: anything else is a 400 for them).
USER_FILTERS = ("name", "status", "availability_zone", "bootable", "metadata", "size",
                "migration_status", "volume_type")
INEXACT = ("name~", "description~")
IGNORED = (*listing.PAGING, "with_count", "all_tenants", "project_id", "is_public")
NOT_YET = ("backup_id", "consistencygroup_id", "group_id")


def view(req, record, seen: dict | None = None) -> dict:
    """``seen``: the policy answers per project so far (a list asks once
    per project, not once per volume)."""
    shown = None if seen is None else seen.get(record.project_id)
    if shown is None:
        target = {"project_id": record.project_id}
        shown = (respond.allowed(req, rules.HOST_ATTRIBUTE, target),
                 respond.allowed(req, rules.TENANT_ATTRIBUTE, target))
        if seen is not None:
            seen[record.project_id] = shown
    return views.detail(req, record, admin=shown[0], show_tenant=shown[1])


def create_volume(req, resp, project_id=None) -> None:
    respond.authorize(req, rules.CREATE)
    data = respond.read_body(req, schemas.CREATE)["volume"]
    for key in NOT_YET:
        if data.get(key):
            raise errors.BadRequest(f"Creating a volume with {key} is not supported yet.")
    if data.get("multiattach") not in (None, False, "false", "False"):
        raise errors.BadRequest("The multiattach parameter has been removed; use a "
                                "multiattach volume type instead.")
    size = None if data.get("size") is None else as_int(data["size"])
    if size is None and not (data.get("snapshot_id") or data.get("source_volid")):
        raise errors.BadRequest("Invalid input received: size is required.")
    if size is not None and size < 1:
        raise errors.BadRequest(f"Invalid input received: Volume size '{size}' must be an "
                                "integer and greater than 0.")
    new = volume_create.NewVolume(
        size=size, name=data.get("name", data.get("display_name")),
        description=data.get("description", data.get("display_description")),
        volume_type=data.get("volume_type"), availability_zone=data.get("availability_zone"),
        metadata=data.get("metadata") or {}, snapshot_id=data.get("snapshot_id"),
        source_volid=data.get("source_volid"),
        image_id=data.get("imageRef") or data.get("image_id"))
    record = volume_create.create(respond.state(req), respond.ctx(req), new,
                                  token=respond.ctx(req).auth_token)
    respond.send(resp, {"volume": view(req, record)}, status=202)


def _filters(req) -> dict:
    return listing.filters(req, rules.ALL_TENANTS, USER_FILTERS, INEXACT, IGNORED,
                           _filter_value)


def _filter_value(name: str, value: str):
    if name == "bootable":
        return respond.parse_bool(value, name)
    if name == "size":
        return respond.parse_int(value, name)
    if name == "metadata":
        return listing.parse_metadata(value)
    return value


def _list(req, resp, summary: bool) -> None:
    respond.authorize(req, rules.GET_ALL)
    page = listing.request(req, _filters(req), SORT_COLUMNS)
    found, total = service.list_volumes(respond.db(req), respond.ctx(req), page)
    seen: dict = {}
    items = [views.summary(req, r) if summary else view(req, r, seen) for r in found]
    respond.send(resp, listing.body(req, "volumes", items, page, found, total))


def list_volumes(req, resp, project_id=None) -> None:
    _list(req, resp, summary=True)


def list_volumes_detail(req, resp, project_id=None) -> None:
    _list(req, resp, summary=False)


def show_volume(req, resp, volume_id, project_id=None) -> None:
    respond.authorize(req, rules.GET)
    record = service.get(respond.db(req), respond.ctx(req), volume_id)
    respond.send(resp, {"volume": view(req, record)})


def update_volume(req, resp, volume_id, project_id=None) -> None:
    respond.authorize(req, rules.UPDATE)
    data = respond.read_body(req, schemas.UPDATE)["volume"]
    values = {}
    for field in ("name", "description"):
        if field in data or f"display_{field}" in data:
            values[field] = data.get(field, data.get(f"display_{field}"))
    if not values and "metadata" not in data:
        raise errors.BadRequest("Invalid input received: no volume field to update.")
    record = service.update(respond.db(req), respond.ctx(req), volume_id, values,
                            data.get("metadata"))
    respond.send(resp, {"volume": view(req, record)})


def delete_volume(req, resp, volume_id, project_id=None) -> None:
    respond.authorize(req, rules.DELETE)
    cascade = respond.query_bool(req, "cascade")
    force = respond.query_bool(req, "force")
    if force:
        respond.authorize(req, rules.FORCE_DELETE)
    service.delete(respond.state(req), respond.ctx(req), volume_id, force=force,
                   cascade=cascade)
    respond.empty(resp, 202)

