"""Request ids: one per request, logged with every record, returned to the
caller and forwarded on service-to-service calls."""
from __future__ import annotations

import re

from nubes.common import log
from nubes.common.context import new_request_id

HEADER = "X-OpenStack-Request-ID"
_GLOBAL_ID_RE = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class RequestIdMiddleware:
    def process_request(self, req, resp) -> None:
        req.context.request_id = new_request_id()
        incoming = req.get_header(HEADER)
        # A caller's id is kept as the global request id only when it has
        # the canonical shape, so logs cannot be spoofed with arbitrary text.
        req.context.global_request_id = (
            incoming if incoming and _GLOBAL_ID_RE.match(incoming) else None)
        log.request_id_var.set(req.context.request_id)

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        request_id = getattr(req.context, "request_id", None)
        if request_id:
            resp.set_header(HEADER, request_id)
