"""Handlers for /resource_providers/{uuid}/usages and /usages (1.9+)."""
from __future__ import annotations

from nubes.placement import exceptions as exc
from nubes.placement.handlers import query, respond
from nubes.placement.policies import resource_provider as provider_policy
from nubes.placement.policies import usage as policy
from nubes.placement.schemas import usage as schema
from nubes.placement.service import usages as service


def list_usages_for_provider(req, resp, uuid: str) -> None:
    respond.authorize(req, provider_policy.USAGES)
    result = service.for_provider(req.context.state.db, uuid)
    # Usage is computed, not stored: last-modified is now.
    respond.send(req, resp, {"resource_provider_generation": result.generation,
                             "usages": result.usages})


def get_total_usages(req, resp) -> None:
    respond.require_version(req, (1, 9))
    grouped = req.context.version >= (1, 38)
    params = query.validated_params(
        req, schema.GET_USAGES_QUERY_V1_38 if grouped else schema.GET_USAGES_QUERY)
    if "project_id" not in params:
        raise exc.MissingQueryValue(
            "Invalid query string parameters: 'project_id' is a required property")
    project_id, user_id = params["project_id"], params.get("user_id")
    # The target is the project asked about, so a project reader may see
    # its own project's usage and no other.
    respond.authorize(req, policy.TOTAL, {"project_id": project_id, "user_id": user_id})
    db = req.context.state.db
    if grouped:
        usages = service.for_project_by_type(db, project_id, user_id,
                                             params.get("consumer_type"))
    else:
        usages = service.for_project(db, project_id, user_id)
    respond.send(req, resp, {"usages": usages})
