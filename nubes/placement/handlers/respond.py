"""Response helpers shared by placement handlers."""
from __future__ import annotations

import datetime

from nubes.common import timeutils
from nubes.common.wsgi import body, errors


def version(req):
    return req.context.version


def require_version(req, minimum: tuple[int, int], maximum: tuple[int, int] | None = None) -> None:
    """404 when the request's microversion is outside the handler's window,
    as if the route did not exist at that version."""
    v = req.context.version
    if v < minimum or (maximum is not None and v > maximum):
        raise errors.NotFound("The resource could not be found.")


def authorize(req, action: str, target: dict | None = None):
    """Policy check; returns the request context for convenience."""
    ctx = req.context.ctx
    req.context.state.policy.authorize(ctx, action, target)
    return ctx


def send(req, resp, payload, status: int = 200,
         last_modified: datetime.datetime | None = None) -> None:
    """JSON answer; from 1.15 with last-modified (now when no time is
    known, as for computed collections) and cache-control: no-cache."""
    body.send_json(resp, payload, status)
    if req.context.version >= (1, 15):
        resp.set_header("Last-Modified",
                        timeutils.http_date(last_modified or timeutils.utcnow()))
        resp.set_header("Cache-Control", "no-cache")


def latest(*stamps) -> datetime.datetime | None:
    """The newest of several created_at/updated_at values (None ignored)."""
    values = [s for s in stamps if s is not None]
    return max(values) if values else None


def no_content(resp) -> None:
    resp.status = 204
    resp.data = b""


def bodiless(req, resp, status: int, last_modified: datetime.datetime | None = None) -> None:
    """A 201/204 answer without a body that, from 1.15, still says when the
    thing last changed, as bodied answers do."""
    resp.status = status
    resp.data = b""
    if req.context.version >= (1, 15):
        resp.set_header("Last-Modified",
                        timeutils.http_date(last_modified or timeutils.utcnow()))
        resp.set_header("Cache-Control", "no-cache")
