"""Handlers for /resource_providers and /resource_providers/{uuid}."""
from __future__ import annotations

from nubes.placement import queryparams, uuids
from nubes.placement.handlers import query, respond, validation
from nubes.placement.policies import resource_provider as policy
from nubes.placement.schemas import resource_provider as schema
from nubes.placement.service import providers as service


def provider_view(req, provider: service.Provider) -> dict:
    """A provider as the request's microversion shows it."""
    version = req.context.version
    base = f"/resource_providers/{provider.uuid}"
    links = [{"rel": "self", "href": base},
             {"rel": "inventories", "href": f"{base}/inventories"},
             {"rel": "usages", "href": f"{base}/usages"}]
    if version >= (1, 1):
        links.append({"rel": "aggregates", "href": f"{base}/aggregates"})
    if version >= (1, 6):
        links.append({"rel": "traits", "href": f"{base}/traits"})
    if version >= (1, 11):
        links.append({"rel": "allocations", "href": f"{base}/allocations"})
    view = {"uuid": provider.uuid, "name": provider.name,
            "generation": provider.generation, "links": links}
    if version >= (1, 14):
        view["parent_provider_uuid"] = provider.parent_provider_uuid
        view["root_provider_uuid"] = provider.root_provider_uuid
    return view


def list_resource_providers(req, resp) -> None:
    respond.authorize(req, policy.LIST)
    version = req.context.version
    raw = dict(req.params)
    params = query.validated(schema.collapse_repeats(raw, version),
                             schema.providers_query_schema(version))
    filters = service.ListFilters(name=params.get("name"),
                                  uuid=uuids.canonical(params.get("uuid")),
                                  in_tree=uuids.canonical(params.get("in_tree")))
    if "member_of" in params:
        # Every value: a repeat before 1.24 is refused by name, not by schema.
        filters.member_of = queryparams.parse_member_of(query.as_list(raw["member_of"]), version)
    if "required" in params:
        filters.required = queryparams.parse_required(query.as_list(params["required"]), version)
    if "resources" in params:
        filters.resources = queryparams.parse_resources(params["resources"])
    providers = service.list_providers(req.context.state.db, filters)
    respond.send(req, resp,
                 {"resource_providers": [provider_view(req, p) for p in providers]},
                 last_modified=respond.latest(*(p.last_modified for p in providers)))


def create_resource_provider(req, resp) -> None:
    respond.authorize(req, policy.CREATE)
    version = req.context.version
    data = validation.read_json(req, schema.POST_PROVIDER_V1_14 if version >= (1, 14)
                          else schema.POST_PROVIDER)
    provider = service.create(req.context.state.db, data["name"],
                              uuid=uuids.canonical(data.get("uuid")),
                              parent_uuid=uuids.canonical(data.get("parent_provider_uuid")))
    resp.location = f"{req.prefix}/resource_providers/{provider.uuid}"
    if version >= (1, 20):
        respond.send(req, resp, provider_view(req, provider),
                     last_modified=provider.last_modified)
    else:
        resp.status = 201
        resp.data = b""


def get_resource_provider(req, resp, uuid: str) -> None:
    respond.authorize(req, policy.SHOW)
    provider = service.get(req.context.state.db, uuid)
    respond.send(req, resp, provider_view(req, provider), last_modified=provider.last_modified)


def update_resource_provider(req, resp, uuid: str) -> None:
    respond.authorize(req, policy.UPDATE)
    version = req.context.version
    data = validation.read_json(req, schema.PUT_PROVIDER_V1_14 if version >= (1, 14)
                          else schema.PUT_PROVIDER)
    kwargs = {}
    if "parent_provider_uuid" in data:
        kwargs["parent_uuid"] = uuids.canonical(data["parent_provider_uuid"])
    provider = service.update(req.context.state.db, uuid, name=data["name"],
                              allow_reparent=version >= (1, 37), **kwargs)
    respond.send(req, resp, provider_view(req, provider), last_modified=provider.last_modified)


def delete_resource_provider(req, resp, uuid: str) -> None:
    respond.authorize(req, policy.DELETE)
    service.delete(req.context.state.db, uuid)
    respond.no_content(resp)
