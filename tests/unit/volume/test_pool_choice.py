"""Which pool a new volume goes to."""
from __future__ import annotations

from nubes.volume.backends import pool_choice
from nubes.volume.backends.base import PoolStats


def _pool(name, total=100, backend="file", zone="nova", reserved=0):
    return PoolStats(name=f"h@{backend}#{name}", backend_name=backend,
                     availability_zone=zone, total_capacity_gb=total,
                     reserved_percentage=reserved)


def test_most_free_space_wins():
    pools = [_pool("a"), _pool("b")]
    chosen = pool_choice.choose(pools, {"h@file#a": 10, "h@file#b": 30}, 5)
    assert chosen.name == "h@file#a"


def test_reserved_share_and_fit():
    pools = [_pool("a", total=100, reserved=50)]
    assert pool_choice.choose(pools, {"h@file#a": 45}, 5).name == "h@file#a"
    assert pool_choice.choose(pools, {"h@file#a": 46}, 5) is None


def test_candidates_by_zone_and_backend_name():
    pools = [_pool("a"), _pool("b", backend="lvm"), _pool("c", zone="other")]
    assert [p.pool for p in pool_choice.candidates(pools, zone="nova", backend_name=None)] \
        == ["a", "b"]
    assert [p.pool for p in pool_choice.candidates(pools, zone="nova", backend_name="lvm")] \
        == ["b"]
    assert pool_choice.candidates(pools, zone="nowhere", backend_name=None) == []
