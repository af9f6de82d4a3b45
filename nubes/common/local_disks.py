"""Where a flavor's local disks sit in the guest, beside its root disk.

The root disk is ``/dev/vda``; the flavor's ephemeral disk (``ephemeral_gb``)
comes next and its swap disk (``swap``, in MB) after it, as OpenStack
compute names them: ``/dev/vdb`` and ``/dev/vdc`` with both, ``/dev/vdb``
for whichever of the two is alone.  The compute API names the volumes it
attaches around these names, and a driver gives its local disks the same
names, so a volume never lands on the device of a local disk.
"""
from __future__ import annotations

import json
from typing import Any

ROOT = "/dev/vda"
EPHEMERAL = "ephemeral"
SWAP = "swap"
_LETTERS = "bcdefghijklmnopqrstuvwxyz"


def swap_mb(flavor: Any) -> int:
    """The swap size of a flavor's JSON (as instance rows and migrations
    keep it: a string or a dict); 0 for none or something unreadable."""
    if isinstance(flavor, str):
        try:
            flavor = json.loads(flavor)
        except ValueError:
            return 0
    if not isinstance(flavor, dict):
        return 0
    try:
        return max(int(flavor.get("swap") or 0), 0)
    except (TypeError, ValueError):
        return 0


def local_devices(ephemeral_gb: Any, swap: Any, taken: frozenset[str] | set[str] = frozenset()
                  ) -> dict[str, str | None]:
    """``{"ephemeral": "/dev/vdb", "swap": "/dev/vdc"}`` (only the disks the
    flavor has), each the first name after ``/dev/vda`` that is neither the
    other's nor in ``taken`` (devices already used by volumes); None when
    every name is taken."""
    wanted = [kind for kind, size in ((EPHEMERAL, ephemeral_gb), (SWAP, swap))
              if int(size or 0) > 0]
    free = (f"/dev/vd{c}" for c in _LETTERS if f"/dev/vd{c}" not in taken)
    return {kind: next(free, None) for kind in wanted}


def instance_local_devices(instance: Any) -> set[str]:
    """The device names of an instance's local disks (from its
    ``ephemeral_gb`` and the ``flavor`` JSON's ``swap``)."""
    names = local_devices(getattr(instance, "ephemeral_gb", 0),
                          swap_mb(getattr(instance, "flavor", None))).values()
    return {name for name in names if name}
