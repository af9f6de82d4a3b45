"""/flavors/{id}/os-extra_specs: list, create/update many, show, update
one, delete one.  From 2.86 keys of the known namespaces are validated
(``schemas.extra_spec_validators``)."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import flavors as policy
from nubes.api.compute.schemas import extra_spec_validators
from nubes.api.compute.schemas import flavors as schema
from nubes.api.compute.service import flavors as service
from nubes.common.wsgi import errors


def _checked(req, specs: dict) -> dict[str, str]:
    values = {key: schema.spec_value(value) for key, value in specs.items()}
    if respond.version(req) >= (2, 86):
        for key, value in sorted(values.items()):
            try:
                extra_spec_validators.validate(key, value)
            except ValueError as error:
                raise errors.BadRequest(str(error)) from None
    return values


def list_specs(req, resp, flavor_id: str) -> None:
    respond.authorize(req, policy.SPECS_INDEX)
    found = service.get(respond.state(req), respond.ctx(req), flavor_id)
    respond.send(resp, {"extra_specs": dict(found.extra_specs)})


def create_specs(req, resp, flavor_id: str) -> None:
    respond.authorize(req, policy.SPECS_CREATE)
    specs = _checked(req, respond.read_body(req, schema.EXTRA_SPECS_CREATE)["extra_specs"])
    service.set_extra_specs(respond.state(req), respond.ctx(req), flavor_id, specs)
    respond.send(resp, {"extra_specs": specs})


def show_spec(req, resp, flavor_id: str, key: str) -> None:
    respond.authorize(req, policy.SPECS_SHOW)
    value = service.get_extra_spec(respond.state(req), respond.ctx(req), flavor_id, key)
    respond.send(resp, {key: value})


def update_spec(req, resp, flavor_id: str, key: str) -> None:
    respond.authorize(req, policy.SPECS_UPDATE)
    data = respond.read_body(req, schema.EXTRA_SPEC_UPDATE)
    if key not in data:
        raise errors.BadRequest("Request body and URI mismatch")
    specs = _checked(req, data)
    service.set_extra_specs(respond.state(req), respond.ctx(req), flavor_id, specs)
    respond.send(resp, specs)


def delete_spec(req, resp, flavor_id: str, key: str) -> None:
    respond.authorize(req, policy.SPECS_DELETE)
    service.delete_extra_spec(respond.state(req), respond.ctx(req), flavor_id, key)
    respond.empty(resp, 202)
