"""The ``metadata_items`` quota: how many metadata items one server may
have (an absolute limit per project, nothing counted), checked by server
create and by every metadata write with the count the server would have
after it."""
from __future__ import annotations

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import quota
from nubes.api.compute.state import ComputeState


def check(limits: dict[str, int], count: int) -> None:
    """403 when ``count`` items pass the limit in ``limits`` (-1: none)."""
    limit = limits["metadata_items"]
    if 0 <= limit < count:
        raise exc.QuotaExceeded(f"Quota exceeded for metadata_items: Requested {count}, "
                                f"but the limit is {limit}")


def limits_of(state: ComputeState, project_id: str) -> dict[str, int]:
    """The project's quota limits (read from the API database)."""
    return state.api_db.read(lambda conn: quota.limits_in(conn, state, project_id))
