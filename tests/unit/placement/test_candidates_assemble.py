"""Pure tests of candidate assembly: anchors, sharing, isolation, merged
capacity, same_subtree, pre-1.29 trees, dedup, laziness and order."""
from __future__ import annotations

import itertools
import random

from nubes.placement.candidates import assemble
from nubes.placement.candidates.assemble import Group, Policy, Universe

VCPU, MEM, DISK = 1, 2, 3


def run(groups, universe, **policy):
    return list(assemble.candidates(groups, universe, Policy(**policy)))


def test_flat_one_candidate_per_tree_in_root_order():
    u = Universe(root_of={10: 10, 20: 20, 30: 30})
    g = Group("", {VCPU: 1, MEM: 1}, {VCPU: [10, 20, 30], MEM: [20, 30]})
    assert run([g], u) == [({20: {VCPU: 1, MEM: 1}}, {"": [20]}),
                           ({30: {VCPU: 1, MEM: 1}}, {"": [30]})]


def test_sharing_provider_lends_to_linked_trees_only():
    # 1 and 2 computes, 9 shares disk with tree 1 only.
    u = Universe(root_of={1: 1, 2: 2, 9: 9}, links={9: {1, 9}})
    g = Group("", {VCPU: 1, DISK: 5}, {VCPU: [1, 2], DISK: [9]})
    assert run([g], u) == [({1: {VCPU: 1}, 9: {DISK: 5}}, {"": [1, 9]})]
    # Disk only: the sharing provider once, though two anchors reach it.
    g = Group("", {DISK: 5}, {DISK: [9]})
    assert run([g], u) == [({9: {DISK: 5}}, {"": [9]})]


def test_nested_product_and_pre_1_29_exclusion():
    # root 1 with children 2, 3 (VCPU and MEM on both).
    u = Universe(root_of={1: 1, 2: 1, 3: 1}, parent_of={1: None, 2: 1, 3: 1})
    g = Group("", {VCPU: 1, MEM: 1}, {VCPU: [2, 3], MEM: [2, 3]})
    got = run([g], u)
    assert [a for a, _ in got] == [{2: {VCPU: 1, MEM: 1}}, {2: {VCPU: 1}, 3: {MEM: 1}},
                                   {3: {VCPU: 1}, 2: {MEM: 1}}, {3: {VCPU: 1, MEM: 1}}]
    old = run([g], u, nested_aware=False)
    assert [a for a, _ in old] == [{2: {VCPU: 1, MEM: 1}}, {3: {VCPU: 1, MEM: 1}}]


def test_union_of_traits_for_unsuffixed_group():
    u = Universe(root_of={1: 1, 2: 1, 3: 1}, traits_of={3: {7}})
    g = Group("", {VCPU: 1, MEM: 1}, {VCPU: [2, 3], MEM: [2]}, required=frozenset({7}))
    assert [a for a, _ in run([g], u)] == [{3: {VCPU: 1}, 2: {MEM: 1}}]
    g = Group("", {VCPU: 1}, {VCPU: [2, 3]}, any_of=(frozenset({7, 8}),))
    assert [a for a, _ in run([g], u)] == [{3: {VCPU: 1}}]


def test_isolate_and_merged_capacity():
    u = Universe(root_of={1: 1, 2: 1}, free={(1, VCPU): (3, 8), (2, VCPU): (8, 8)})
    g1 = Group("1", {VCPU: 2}, {VCPU: [1, 2]})
    g2 = Group("2", {VCPU: 2}, {VCPU: [1, 2]})
    none = [a for a, _ in run([g1, g2], u)]
    # 1+1 would need 4 VCPU on provider 1 (3 free).
    assert none == [{1: {VCPU: 2}, 2: {VCPU: 2}}, {2: {VCPU: 2}, 1: {VCPU: 2}},
                    {2: {VCPU: 4}}]
    isolated = run([g1, g2], u, isolate=True)
    assert [m for _, m in isolated] == [{"1": [1], "2": [2]}, {"1": [2], "2": [1]}]


def test_same_subtree_with_resourceless_group():
    # 1 root; 2, 3 numa; 4 under 2, 5 under 3.
    parents = {1: None, 2: 1, 3: 1, 4: 2, 5: 3}
    u = Universe(root_of={p: 1 for p in parents}, parent_of=parents)
    numa = Group("_NUMA", {}, {0: [2, 3]})
    vf = Group("_VF", {DISK: 1}, {DISK: [4, 5]})
    got = run([numa, vf], u, same_subtrees=[["_NUMA", "_VF"]])
    assert got == [({4: {DISK: 1}}, {"_NUMA": [2], "_VF": [4]}),
                   ({5: {DISK: 1}}, {"_NUMA": [3], "_VF": [5]})]


def test_root_ok_filters_anchors():
    u = Universe(root_of={1: 1, 2: 2})
    g = Group("", {VCPU: 1}, {VCPU: [1, 2]})
    assert [m for _, m in run([g], u, root_ok=lambda r: r == 2)] == [{"": [2]}]


def test_lazy_under_explosion():
    # One tree with 200 children, each able to give all of 4 classes:
    # 200**4 = 1.6e9 combinations; taking 50 must be instant.
    kids = list(range(2, 202))
    u = Universe(root_of={k: 1 for k in kids} | {1: 1})
    g = Group("", {1: 1, 2: 1, 3: 1, 4: 1}, {c: kids for c in (1, 2, 3, 4)})
    assert len(list(itertools.islice(assemble.candidates([g], u, Policy()), 50))) == 50
    # Granular groups over many sharing providers: lazy too.
    shares = list(range(1000, 1300))
    u = Universe(root_of={s: s for s in shares} | {1: 1}, links={s: {1, s} for s in shares})
    groups = [Group(str(i), {i: 1}, {i: shares}) for i in range(1, 5)]
    first = list(itertools.islice(assemble.candidates(groups, u, Policy(isolate=True)), 10))
    assert len(first) == 10


def test_random_order_is_a_permutation_of_anchors():
    u = Universe(root_of={i: i for i in range(1, 51)})
    g = Group("", {VCPU: 1}, {VCPU: list(range(1, 51))})
    ordered = run([g], u)
    shuffled = run([g], u, randomize=True, rng=random.Random(4))
    assert shuffled != ordered
    assert sorted(m[""][0] for _, m in shuffled) == list(range(1, 51))
