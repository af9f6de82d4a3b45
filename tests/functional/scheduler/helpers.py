"""Small builders shared by the scheduler's functional tests."""
from __future__ import annotations

import uuid as uuidlib

from nubes.scheduler.messages import Flavor, RequestSpec


def spec(vcpus=1, memory_mb=512, root_gb=1, **kw) -> RequestSpec:
    extra = kw.pop("extra_specs", {})
    return RequestSpec(flavor=Flavor(vcpus=vcpus, memory_mb=memory_mb, root_gb=root_gb,
                                     extra_specs=extra),
                       project_id="p1", user_id="u1", **kw)


def uuids(n: int) -> list[str]:
    return [str(uuidlib.uuid4()) for _ in range(n)]
