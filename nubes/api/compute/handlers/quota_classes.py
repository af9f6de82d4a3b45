"""/os-quota-class-sets/{id}: show and update a quota class (admin); only
``default`` is enforced."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.handlers.quota_sets import checked_id, limits_of
from nubes.api.compute.policies import quota_sets as policy
from nubes.api.compute.schemas import quota_sets as schema
from nubes.api.compute.service import quota_classes as service
from nubes.api.compute.views import quota_sets as view


def show_quota_class(req, resp, class_id: str) -> None:
    respond.authorize(req, policy.CLASS_SHOW)
    class_name = checked_id(class_id, "quota class")
    respond.send(resp, view.quota_class_set(respond.version(req),
                                            service.show(respond.state(req), class_name),
                                            class_name))


def update_quota_class(req, resp, class_id: str) -> None:
    respond.authorize(req, policy.CLASS_UPDATE)
    class_name = checked_id(class_id, "quota class")
    version = respond.version(req)
    data = respond.read_body(req, schema.update_quota_class(version))["quota_class_set"]
    limits = service.update(respond.state(req), class_name, limits_of(data))
    respond.send(resp, view.quota_class_set(version, limits))
