"""One log line per API request, as OpenStack services write them::

    INFO nubes.access [req-…] 127.0.0.1 "GET /v2.1/servers" status: 200 len: 1234 time: 0.012345

(time in seconds, as nova's and placement's request logs give it).
:func:`nubes.common.wsgi.app.build_app` puts this middleware first in
every API's stack, so the line is written after every other middleware
has answered (errors and 401s included) and names the path as the client
sent it, before any rewriting.  ``[api] access_log = false`` turns it off;
the ``nubes.access`` logger's level does too.
"""
from __future__ import annotations

import logging
import time

LOG = logging.getLogger("nubes.access")


def _enabled(req) -> bool:
    """``[api] access_log`` of the serving API (its state's conf); on when
    the API has no conf to ask."""
    conf = getattr(getattr(req.context, "state", None), "conf", None)
    api = getattr(conf, "api", None)
    return getattr(api, "access_log", True) if api is not None else True


class AccessLogMiddleware:
    def process_request(self, req, resp) -> None:
        if not LOG.isEnabledFor(logging.INFO):
            return      # nothing will be written: no per-request work
        req.context.access_started = time.monotonic()
        req.context.access_uri = req.relative_uri

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        started = getattr(req.context, "access_started", None)
        if started is None or not LOG.isEnabledFor(logging.INFO) or not _enabled(req):
            return
        elapsed = time.monotonic() - started
        LOG.info('%s "%s %s" status: %s len: %s time: %.6f',
                 req.remote_addr, req.method, req.context.access_uri, resp.status_code,
                 _length(resp), elapsed,
                 extra={"request_id": getattr(req.context, "request_id", None) or "-"})


def _length(resp) -> int | str:
    if resp.stream is not None:
        return resp.content_length if resp.content_length is not None else "-"
    body = resp.render_body()
    return len(body) if body is not None else 0
