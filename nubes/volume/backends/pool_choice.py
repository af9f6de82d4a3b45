"""Which pool a new volume goes to: among the pools in the volume's zone
whose backend the volume type allows (its ``volume_backend_name`` extra
spec, when it has one), the one with the most free space that still fits
the volume; None when none does.  Free space is the pool's usable
capacity less the sizes of the volumes already placed in it."""
from __future__ import annotations

from nubes.volume.backends.base import PoolStats


def free_gb(pool: PoolStats, allocated: dict[str, int]) -> int:
    return pool.usable_gb - allocated.get(pool.name, 0)


def candidates(pools: list[PoolStats], *, zone: str,
               backend_name: str | None) -> list[PoolStats]:
    return [p for p in pools if p.availability_zone == zone
            and (backend_name is None or p.backend_name == backend_name)]


def choose(pools: list[PoolStats], allocated: dict[str, int], size_gb: int) -> PoolStats | None:
    fitting = [p for p in pools if free_gb(p, allocated) >= size_gb]
    if not fitting:
        return None
    return max(fitting, key=lambda p: (free_gb(p, allocated), p.name))
