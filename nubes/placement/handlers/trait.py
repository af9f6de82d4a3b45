"""Handlers for /traits, /traits/{name} and /resource_providers/{uuid}/traits
(microversion 1.6+)."""
from __future__ import annotations

import re

from nubes.common.wsgi import errors
from nubes.placement.handlers import query, respond, validation
from nubes.placement.policies import resource_provider as rp_policy
from nubes.placement.policies import trait as policy
from nubes.placement.schemas import common
from nubes.placement.schemas import trait as schema
from nubes.placement.service import traits as service

_MIN_VERSION = (1, 6)
_CUSTOM_RE = re.compile(common.CUSTOM_TRAIT_PATTERN)


def _list_filters(params: dict) -> service.ListFilters:
    prefix = names = associated = None
    if "name" in params:
        value = params["name"]
        if value.startswith("startswith:"):
            prefix = value[len("startswith:"):]
        elif value.startswith("in:"):
            names = [n.strip() for n in value[len("in:"):].split(",") if n.strip()]
        else:
            raise errors.BadRequest(
                "Badly formatted name parameter. Expected name query string parameter "
                "in form: ?name=startswith:[name_prefix] or ?name=in:[name1,name2...]. "
                f"Got: {value!r}")
    if "associated" in params:
        value = params["associated"].lower()
        if value not in ("true", "false"):
            raise errors.BadRequest(
                'The query parameter "associated" only accepts "true" or "false"')
        associated = value == "true"
    return service.ListFilters(prefix=prefix, names=names, associated=associated)


def list_traits(req, resp) -> None:
    respond.require_version(req, _MIN_VERSION)
    respond.authorize(req, policy.LIST)
    filters = _list_filters(query.validated_params(req, schema.LIST_TRAITS_QUERY))
    traits = service.list_traits(req.context.state.db, filters)
    respond.send(req, resp, {"traits": [t.name for t in traits]},
                 last_modified=respond.latest(*(t.last_modified for t in traits)))


def get_trait(req, resp, name: str) -> None:
    respond.require_version(req, _MIN_VERSION)
    respond.authorize(req, policy.SHOW)
    trait = service.get(req.context.state.db, name)
    respond.bodiless(req, resp, 204, trait.last_modified)


def put_trait(req, resp, name: str) -> None:
    respond.require_version(req, _MIN_VERSION)
    respond.authorize(req, policy.UPDATE)
    if not _CUSTOM_RE.match(name) or len(name) > common.NAME_MAX:
        raise errors.BadRequest(
            f"The trait {name!r} is invalid. A valid trait must be no longer than "
            f"{common.NAME_MAX} characters, start with the prefix \"CUSTOM_\" and use "
            "following characters: \"A\"-\"Z\", \"0\"-\"9\" and \"_\"")
    trait, created = service.ensure(req.context.state.db, name)
    resp.location = f"{req.prefix}/traits/{name}"
    respond.bodiless(req, resp, 201 if created else 204, trait.last_modified)


def delete_trait(req, resp, name: str) -> None:
    respond.require_version(req, _MIN_VERSION)
    respond.authorize(req, policy.DELETE)
    service.delete(req.context.state.db, name)
    respond.no_content(resp)


# -- /resource_providers/{uuid}/traits ------------------------------------------

def _send_provider_traits(req, resp, result: service.ProviderTraits) -> None:
    respond.send(req, resp, {"traits": result.traits,
                             "resource_provider_generation": result.generation},
                 last_modified=result.last_modified)


def list_traits_for_resource_provider(req, resp, uuid: str) -> None:
    respond.require_version(req, _MIN_VERSION)
    respond.authorize(req, rp_policy.TRAITS_LIST)
    _send_provider_traits(req, resp, service.for_provider(req.context.state.db, uuid))


def update_traits_for_resource_provider(req, resp, uuid: str) -> None:
    respond.require_version(req, _MIN_VERSION)
    respond.authorize(req, rp_policy.TRAITS_UPDATE)
    data = validation.read_json(req, schema.SET_PROVIDER_TRAITS)
    result = service.set_for_provider(req.context.state.db, uuid, data["traits"],
                                      data["resource_provider_generation"])
    _send_provider_traits(req, resp, result)


def delete_traits_for_resource_provider(req, resp, uuid: str) -> None:
    respond.require_version(req, _MIN_VERSION)
    respond.authorize(req, rp_policy.TRAITS_DELETE)
    service.clear_for_provider(req.context.state.db, uuid)
    respond.no_content(resp)
