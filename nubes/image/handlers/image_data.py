"""``/v2/images/{id}/file``: upload (PUT, streamed to the store) and
download (GET, whole or one byte range); ``/v2/images/{id}/actions/
deactivate`` and ``reactivate``."""
from __future__ import annotations

from typing import Iterator

from nubes.common.wsgi import errors
from nubes.image import policies as policy
from nubes.image.handlers import byte_range, respond
from nubes.image.service import image_data as service
from nubes.image.service import images as image_service

OCTET_STREAM = "application/octet-stream"
_CHUNK = 1 << 16


def _body(req) -> Iterator[bytes]:
    """The request body in chunks, never all of it at once: up to its
    Content-Length, or to the end of a chunked body the server terminates
    (``wsgi.input_terminated``); a body shorter than its Content-Length
    is a 400."""
    declared = req.content_length
    if declared is None and not req.env.get("wsgi.input_terminated"):
        return
    stream = req.bounded_stream if declared is not None else req.stream
    received = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        received += len(chunk)
        yield chunk
    if declared is not None and received < declared:
        raise errors.BadRequest(f"The request body ended after {received} of the "
                                f"{declared} bytes its Content-Length announced.")


def upload_image(req, resp, image_id: str) -> None:
    content_type = (req.content_type or "").split(";")[0].strip().lower()
    if content_type != OCTET_STREAM:
        raise errors.UnsupportedMediaType(
            f"Content type '{req.content_type or ''}' is not supported; image data is "
            f"sent as {OCTET_STREAM}.")
    db, ctx = respond.db(req), respond.ctx(req)
    image = image_service.get(db, ctx, image_id)
    respond.authorize(req, policy.UPLOAD_IMAGE, respond.owner_target(image.owner))
    service.upload(db, respond.store(req), ctx, image_id, _body(req),
                   max_size=respond.conf(req).image_store.max_image_size,
                   declared_size=req.content_length)
    respond.empty(resp)


def download_image(req, resp, image_id: str) -> None:
    db, ctx = respond.db(req), respond.ctx(req)
    image = image_service.get(db, ctx, image_id)
    respond.authorize(req, policy.DOWNLOAD_IMAGE, respond.owner_target(image.owner))
    data = service.download(db, respond.store(req), ctx, image_id)
    if data is None:
        respond.empty(resp)
        return
    wanted = byte_range.parse(req.get_header("Range"), data.size)
    if wanted is None:
        resp.stream = data.read()
        resp.content_length = data.size
        if data.image.checksum:
            resp.set_header("Content-MD5", data.image.checksum)
        resp.status = 200
    else:
        first, last = wanted
        resp.stream = data.read(first, last - first + 1)
        resp.content_length = last - first + 1
        resp.set_header("Content-Range", f"bytes {first}-{last}/{data.size}")
        resp.status = 206
    resp.content_type = OCTET_STREAM


def _action(req, image_id: str, action: str, work) -> None:
    db, ctx = respond.db(req), respond.ctx(req)
    image = image_service.get(db, ctx, image_id)
    respond.authorize(req, action, respond.owner_target(image.owner))
    work(db, ctx, image_id)


def deactivate_image(req, resp, image_id: str) -> None:
    _action(req, image_id, policy.DEACTIVATE, service.deactivate)
    respond.empty(resp)


def reactivate_image(req, resp, image_id: str) -> None:
    _action(req, image_id, policy.REACTIVATE, service.reactivate)
    respond.empty(resp)
