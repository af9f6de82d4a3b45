"""The instance row a build creates in a cell, from the build request's
serialized instance and the request spec."""
from __future__ import annotations

import json
from typing import Any

from nubes.common.timeutils import utcnow
from nubes.compute.states import PowerState, TaskState, VmState
from nubes.scheduler.messages import Flavor, RequestSpec


def instance_values(instance: dict[str, Any], instance_uuid: str,
                    spec: RequestSpec) -> dict[str, Any]:
    values = dict(instance)
    flavor = spec.flavor
    values.update(uuid=instance_uuid, project_id=spec.project_id,
                  user_id=values.get("user_id") or spec.user_id,
                  vm_state=VmState.BUILDING, task_state=TaskState.SCHEDULING,
                  power_state=PowerState.NOSTATE)
    columns = flavor_columns(flavor)
    flavor_json = columns.pop("flavor")
    for name, value in columns.items():
        values.setdefault(name, value)
    if not values.get("flavor"):
        values["flavor"] = flavor_json
    if spec.availability_zone and not values.get("availability_zone"):
        values["availability_zone"] = spec.availability_zone
    values.setdefault("created_at", utcnow())
    return values


def flavor_columns(flavor: Flavor) -> dict[str, Any]:
    """The instance columns a flavor sets (a build, a resize and its revert)."""
    return {"vcpus": flavor.vcpus, "memory_mb": flavor.memory_mb,
            "root_gb": flavor.root_gb, "ephemeral_gb": flavor.ephemeral_gb,
            "flavor": json.dumps({
                "name": flavor.name, "flavorid": flavor.flavorid, "vcpus": flavor.vcpus,
                "memory_mb": flavor.memory_mb, "root_gb": flavor.root_gb,
                "ephemeral_gb": flavor.ephemeral_gb, "swap": flavor.swap,
                "extra_specs": flavor.extra_specs})}
