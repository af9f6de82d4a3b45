"""Bodies of /os-quota-sets and /os-quota-class-sets: the resources of
the request's microversion (:mod:`nubes.api.compute.schemas.quota_sets`);
the network quotas of old microversions are always -1, never used."""
from __future__ import annotations

from nubes.api.compute.schemas import quota_sets as fields
from nubes.api.compute.service.quota_sets import Detail


def _values(names, limits: dict[str, int]) -> dict[str, int]:
    return {name: limits.get(name, -1) for name in names}


def quota_set(version, limits: dict[str, int], project_id: str | None = None) -> dict:
    """``project_id``: shown as ``id`` (not in an update's answer)."""
    body = _values(fields.quota_set_fields(version), limits)
    if project_id is not None:
        body["id"] = project_id
    return {"quota_set": body}


def quota_set_detail(version, found: Detail, project_id: str) -> dict:
    body: dict = {name: {"in_use": found.usage.get(name, 0), "limit": found.limits.get(name, -1),
                         "reserved": 0}
                  for name in fields.quota_set_fields(version)}
    body["id"] = project_id
    return {"quota_set": body}


def quota_class_set(version, limits: dict[str, int], class_name: str | None = None) -> dict:
    """``class_name``: shown as ``id`` (not in an update's answer)."""
    body = _values(fields.quota_class_fields(version), limits)
    if class_name is not None:
        body["id"] = class_name
    return {"quota_class_set": body}
