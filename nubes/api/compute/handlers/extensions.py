"""``GET /extensions[/{alias}]``: the (v2.0-era) extensions nubes serves."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import extensions as policy
from nubes.api.compute.views import extensions as view
from nubes.common.wsgi import errors


def list_extensions(req, resp) -> None:
    respond.authorize(req, policy.EXTENSIONS)
    respond.send(resp, {"extensions": view.all_extensions()})


def show_extension(req, resp, alias: str) -> None:
    respond.authorize(req, policy.EXTENSIONS)
    found = view.extension(alias)
    if found is None:
        raise errors.NotFound("The resource could not be found.")
    respond.send(resp, {"extension": found})
