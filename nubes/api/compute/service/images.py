"""The compute API's ``/images`` proxy (before 2.36): images and their
metadata through the image API (``nubes.image.client``), with the caller's
token so the image API decides what the caller may see and change.

Filters the image API has (name, status, the ``instance_uuid`` and
``image_type`` properties) are passed on; ``changes-since``, ``minRam`` and
``minDisk`` are applied here, reading more pages of the image API (at most
:data:`MAX_PAGES`) until a page is full.  Metadata are the image's custom
properties; a change is a JSON patch computed from the current properties
(the image API refuses it with a 409 if they changed meanwhile).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import cells, quota
from nubes.api.compute.state import ComputeState
from nubes.common.context import RequestContext
from nubes.image.client import (BASE_ATTRIBUTES, Image, ImageClient, ImageClientError,
                                ImageUnavailable)

MAX_PAGES = 10


@dataclasses.dataclass
class ImageQuery:
    limit: int
    marker: str | None = None
    api_params: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    changes_since: datetime.datetime | None = None
    min_ram: int | None = None
    min_disk: int | None = None

    def matches(self, image: Image) -> bool:
        if self.min_ram is not None and image.min_ram < self.min_ram:
            return False
        if self.min_disk is not None and image.min_disk < self.min_disk:
            return False
        if self.changes_since is not None:
            changed = parse_time(image.updated_at or image.created_at)
            return changed is not None and changed >= self.changes_since
        return True


def parse_time(text: str | None) -> datetime.datetime | None:
    """The image API's ISO 8601 time as naive UTC."""
    if not text:
        return None
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def _client(state: ComputeState) -> ImageClient:
    if state.images is None:
        raise exc.Unavailable("The image API is not configured ([image_client] endpoint).")
    return state.images


@contextlib.contextmanager
def _image_errors():
    """The image API's refusals as the compute API's."""
    try:
        yield
    except ImageUnavailable as err:
        raise exc.Unavailable(f"The image API did not answer: {err}") from None
    except ImageClientError as err:
        if err.status == 404:
            raise exc.NotFound("Image not found.") from None
        if err.status == 403:
            raise exc.Forbidden(str(err)) from None
        if err.status == 409:
            raise exc.Conflict(str(err)) from None
        raise exc.Invalid(str(err)) from None


def _auth(ctx: RequestContext) -> dict:
    return {"token": ctx.auth_token, "request_id": cells.forwarded_request_id(ctx)}


def list_images(state: ComputeState, ctx: RequestContext, query: ImageQuery) -> list[Image]:
    client, found, marker = _client(state), [], query.marker
    for _ in range(MAX_PAGES):
        params = [*query.api_params, ("limit", str(query.limit))]
        if marker:
            params.append(("marker", marker))
        with _image_errors():
            page, more = client.list_images(params, **_auth(ctx))
        for image in page:
            if query.matches(image):
                found.append(image)
                if len(found) >= query.limit:
                    return found
        if not more or not page:
            break
        marker = page[-1].id
    return found


def get_image(state: ComputeState, ctx: RequestContext, image_id: str) -> Image:
    with _image_errors():
        image = _client(state).get_image(image_id, **_auth(ctx))
    if image is None:
        raise exc.NotFound("Image not found.")
    return image


def delete_image(state: ComputeState, ctx: RequestContext, image_id: str) -> None:
    get_image(state, ctx, image_id)     # an id the image API cannot parse is a 404 too
    with _image_errors():
        _client(state).delete_image(image_id, **_auth(ctx))


# --- metadata (the image's custom properties) -------------------------------------------

def _check_keys(keys) -> None:
    reserved = sorted(set(keys) & set(BASE_ATTRIBUTES))
    if reserved:
        raise exc.Invalid(f"Image metadata key(s) {', '.join(reserved)} name image "
                          "attributes, not metadata.")


def _check_quota(state: ComputeState, ctx: RequestContext, metadata: dict) -> None:
    limit = state.api_db.read(
        lambda conn: quota.limits_in(conn, state, ctx.project_id))["metadata_items"]
    if 0 <= limit < len(metadata):
        raise exc.Forbidden("Image metadata limit exceeded")


def _patch(image: Image, new: dict[str, str], *, purge: bool) -> list[dict]:
    ops = []
    for key, value in new.items():
        if image.properties.get(key) != value:
            op = "replace" if key in image.properties else "add"
            ops.append({"op": op, "path": "/" + _pointer(key), "value": value})
    if purge:
        ops.extend({"op": "remove", "path": "/" + _pointer(key)}
                   for key in image.properties if key not in new)
    return ops


def _pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def update_metadata(state: ComputeState, ctx: RequestContext, image_id: str,
                    metadata: dict[str, str], *, replace: bool) -> dict:
    """Merge ``metadata`` into the image's (or, with ``replace``, make it the
    whole of it); the image's metadata afterwards."""
    _check_keys(metadata)
    image = get_image(state, ctx, image_id)
    merged = dict(metadata) if replace else {**image.properties, **metadata}
    _check_quota(state, ctx, merged)
    ops = _patch(image, metadata, purge=replace)
    if not ops:
        return dict(image.properties)
    with _image_errors():
        updated = _client(state).patch_image(image_id, ops, **_auth(ctx))
    return dict(updated.properties)


def delete_metadata_item(state: ComputeState, ctx: RequestContext, image_id: str,
                         key: str) -> None:
    image = get_image(state, ctx, image_id)
    if key not in image.properties:
        raise exc.NotFound("Invalid metadata key")
    with _image_errors():
        _client(state).patch_image(image_id, [{"op": "remove", "path": "/" + _pointer(key)}],
                                   **_auth(ctx))
