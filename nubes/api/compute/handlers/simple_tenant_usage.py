"""``GET /os-simple-tenant-usage[/{tenant_id}]``: what projects' servers used
in a period (``start``/``end``, default now), every project (admin) or one;
``detailed=1`` (or ``true``) adds each server.  Pages of servers: ``limit``/``marker``
from 2.40 (``[api] max_limit`` at most, and silently before 2.40)."""
from __future__ import annotations

import datetime

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import simple_tenant_usage as policy
from nubes.api.compute.service import tenant_usage as service
from nubes.api.compute.views import collection_links as links_view
from nubes.api.compute.views import tenant_usage as view
from nubes.common import timeutils
from nubes.common.wsgi import errors

_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")
_PATH = "/os-simple-tenant-usage"
# OpenStack compute reads only "1" as detailed; openstacksdk sends "True".
_DETAILED = {"1", "true", "t", "yes", "y", "on"}


def _parse(text: str) -> datetime.datetime:
    for fmt in _FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise errors.BadRequest(f"Invalid input: start/end '{text[:64]}': Datetime is in "
                            "invalid format")


def _period(req) -> tuple[datetime.datetime, datetime.datetime]:
    start_text, end_text = respond.query(req, "start"), respond.query(req, "end")
    now = timeutils.utcnow()
    start = _parse(start_text) if start_text else now
    stop = _parse(end_text) if end_text else now
    if (start_text or end_text) and not start < stop:
        raise errors.BadRequest("Invalid start time. The start time cannot occur after the "
                                "end time.")
    return start, stop


def _paging(req) -> tuple[int, str | None]:
    max_limit = respond.state(req).conf.api.max_limit
    if respond.version(req) < (2, 40):
        return max_limit, None
    return respond.query_limit(req, max_limit), respond.query(req, "marker")


def _usage(req, project_id: str | None):
    start, stop = _period(req)
    limit, marker = _paging(req)
    page = service.usage(respond.state(req), respond.ctx(req), start, stop,
                         project_id=project_id, limit=limit, marker=marker)
    links = []
    if respond.version(req) >= (2, 40) and page.servers and len(page.servers) == limit:
        path = _PATH if project_id is None else f"{_PATH}/{project_id}"
        links = links_view.next_links(respond.url(req, path), links_view.request_params(req),
                                      page.servers[-1].instance_id)
    return page, links


def list_usage(req, resp) -> None:
    respond.authorize(req, policy.LIST)
    detailed = (respond.query(req, "detailed") or "").strip().lower() in _DETAILED
    page, links = _usage(req, None)
    body = {"tenant_usages": [view.tenant(t, detailed=detailed) for t in page.tenants]}
    if links:
        body["tenant_usages_links"] = links
    respond.send(resp, body)


def show_usage(req, resp, tenant_id: str) -> None:
    ctx = respond.ctx(req)
    respond.state(req).policy.authorize(ctx, policy.SHOW, {"project_id": tenant_id,
                                                           "user_id": ctx.user_id})
    page, links = _usage(req, tenant_id)
    body = {"tenant_usage": view.tenant(page.tenants[0], detailed=True) if page.tenants
            else {}}
    if links:
        body["tenant_usage_links"] = links
    respond.send(resp, body)
