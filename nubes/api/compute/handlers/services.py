"""/os-services: list (host/binary filters), update, delete."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import services as policy
from nubes.api.compute.schemas import common
from nubes.api.compute.schemas import services as schema
from nubes.api.compute.service import services as service
from nubes.api.compute.views import services as view
from nubes.common.wsgi import errors


def list_services(req, resp) -> None:
    respond.authorize(req, policy.LIST)
    found = service.list_services(respond.state(req), respond.ctx(req),
                                  host=respond.query(req, "host"),
                                  binary=respond.query(req, "binary"))
    respond.send(resp, view.services(respond.version(req), found.services,
                                     found.unreachable_hosts))


def update_service(req, resp, service_id: str) -> None:
    respond.authorize(req, policy.UPDATE)
    if respond.version(req) >= (2, 53):
        _update_v2_53(req, resp, service_id)
    else:
        _legacy_action(req, resp, service_id)


def _update_v2_53(req, resp, service_id: str) -> None:
    uuid = respond.parse_uuid(service_id)
    data = respond.read_body(req, schema.UPDATE_V2_53)
    kwargs = {}
    if "disabled_reason" in data:
        kwargs["disabled_reason"] = data["disabled_reason"]
    if "forced_down" in data:
        kwargs["forced_down"] = common.to_bool(data["forced_down"])
    updated = service.update_compute_service(respond.state(req), respond.ctx(req), uuid,
                                             status=data.get("status"), **kwargs)
    respond.send(resp, {"service": view.service(respond.version(req), updated)})


# action -> (schema, minimum version, fields the answer shows)
_ACTIONS = {
    "enable": (schema.ENABLE_DISABLE, (2, 1), ("status",)),
    "disable": (schema.ENABLE_DISABLE, (2, 1), ("status",)),
    "disable-log-reason": (schema.DISABLE_LOG_REASON, (2, 1), ("status", "disabled_reason")),
    "force-down": (schema.FORCE_DOWN, (2, 11), ("forced_down",)),
}


def _legacy_action(req, resp, action: str) -> None:
    known = _ACTIONS.get(action)
    if known is None or respond.version(req) < known[1]:
        raise errors.NotFound(f"Unknown action {action}")
    body_schema, _, fields = known
    data = respond.read_body(req, body_schema)
    kwargs: dict = {}
    if action == "enable":
        kwargs["disabled"] = False
    elif action in ("disable", "disable-log-reason"):
        kwargs["disabled"] = True
        if "disabled_reason" in data:
            kwargs["disabled_reason"] = data["disabled_reason"]
    else:
        kwargs["forced_down"] = common.to_bool(data["forced_down"])
    updated = service.set_by_host_binary(respond.state(req), respond.ctx(req),
                                         data["host"], data["binary"], **kwargs)
    respond.send(resp, view.legacy_action(updated, *fields))


def delete_service(req, resp, service_id: str) -> None:
    respond.authorize(req, policy.DELETE)
    if respond.version(req) >= (2, 53):
        service.delete_service(respond.state(req), respond.ctx(req),
                               uuid=respond.parse_uuid(service_id))
    else:
        service.delete_service(respond.state(req), respond.ctx(req),
                               service_id=respond.parse_int(service_id, "service id"))
    respond.empty(resp, 204)
