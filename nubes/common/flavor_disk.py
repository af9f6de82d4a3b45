"""How much DISK_GB a flavor asks of placement, as the scheduler asks for
it (:mod:`nubes.scheduler.placement_query`): ``resources:DISK_GB`` when
the extra specs name it, otherwise root (not for boot from volume) +
ephemeral + swap in MB rounded up to GB.

The moves within a shared storage pool change the instance's allocation
on the pool by the difference between two flavors' disks (a resize and its
revert): the super-conductor and the hosts work it out here, the same way.
"""
from __future__ import annotations

import json
import math
from typing import Any

DISK_GB = "DISK_GB"
_OVERRIDE = "resources:DISK_GB"


def disk_gb(root_gb: Any, ephemeral_gb: Any, swap_mb: Any,
            extra_specs: dict[str, Any] | None = None, *, is_bfv: bool = False) -> int:
    if extra_specs and _OVERRIDE in extra_specs:
        try:
            return max(int(str(extra_specs[_OVERRIDE]).strip()), 0)
        except ValueError:
            pass
    root = 0 if is_bfv else int(root_gb or 0)
    return root + int(ephemeral_gb or 0) + math.ceil(int(swap_mb or 0) / 1024)


def columns_disk_gb(columns: dict[str, Any], *, is_bfv: bool = False) -> int:
    """The disk of an instance's flavor columns (``root_gb``,
    ``ephemeral_gb`` and the ``flavor`` JSON with ``swap`` and
    ``extra_specs``), as instance rows and migrations keep them."""
    flavor = columns.get("flavor") or {}
    if isinstance(flavor, str):
        try:
            flavor = json.loads(flavor) or {}
        except ValueError:
            flavor = {}
    return disk_gb(columns.get("root_gb"), columns.get("ephemeral_gb"), flavor.get("swap"),
                   flavor.get("extra_specs"), is_bfv=is_bfv)
