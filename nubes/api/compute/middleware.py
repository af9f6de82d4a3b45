"""Compute-only middleware: request-id headers and project ids in URLs."""
from __future__ import annotations

from nubes.common.wsgi import errors
from nubes.common.wsgi.request_id import HEADER as OPENSTACK_REQUEST_ID, RequestIdMiddleware

COMPUTE_REQUEST_ID = "x-compute-request-id"


class ComputeRequestIdMiddleware(RequestIdMiddleware):
    """``x-openstack-request-id`` and ``x-compute-request-id`` on every
    answer, errors included, at every microversion: clients read the id
    after a create whatever version they speak (one that finds no id fails
    after the server was made, and leaks it)."""

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        request_id = getattr(req.context, "request_id", None)
        if not request_id:
            return
        resp.set_header(COMPUTE_REQUEST_ID, request_id)
        resp.set_header(OPENSTACK_REQUEST_ID, request_id)


class ProjectPathMiddleware:
    """Routes ``/v2.1/{project_id}/<collection>/...`` as ``/v2.1/<collection>/...``
    (the project id in URLs is optional since 2.18, and catalogs written for
    older clients still carry it) and ``/v2/{project_id}/...`` (the legacy
    v2.0-compatible API, which always has it) the same way, at 2.1.

    A segment is taken for a project id only when a known collection
    follows it, so unknown paths still 404.  Once the caller is known, a
    project id that is not the token's own is a 400, as OpenStack compute
    answers.
    """

    def __init__(self, collections: frozenset[str]):
        self.collections = collections

    def process_request(self, req, resp) -> None:
        req.context.url_project_id = None
        req.context.legacy_v2 = False
        parts = req.path.split("/")
        # ['', 'v2.1', '<project>', '<collection>', ...]
        if len(parts) < 4 or parts[1] not in ("v2.1", "v2"):
            return
        if parts[2] in self.collections or parts[3] not in self.collections or not parts[2]:
            return
        req.context.url_project_id = parts[2]
        req.context.legacy_v2 = parts[1] == "v2"
        req.path = "/".join(["", "v2.1", *parts[3:]])

    def process_resource(self, req, resp, resource, params) -> None:
        project_id = req.context.url_project_id
        ctx = getattr(req.context, "ctx", None)
        if project_id and ctx is not None and ctx.project_id and project_id != ctx.project_id:
            raise errors.BadRequest(
                f"Malformed request URL: URL's project_id '{project_id}' doesn't match "
                f"Context's project_id '{ctx.project_id}'")
