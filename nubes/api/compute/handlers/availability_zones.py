"""/os-availability-zone and its admin /detail."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import availability_zones as policy
from nubes.api.compute.service import availability_zones as service
from nubes.api.compute.views import availability_zones as view


def list_zones(req, resp) -> None:
    respond.authorize(req, policy.LIST)
    respond.send(resp, view.zones(service.list_zones(respond.state(req), respond.ctx(req),
                                                     detail=False)))


def list_zones_detail(req, resp) -> None:
    respond.authorize(req, policy.DETAIL)
    respond.send(resp, view.zones(service.list_zones(respond.state(req), respond.ctx(req),
                                                     detail=True)))
