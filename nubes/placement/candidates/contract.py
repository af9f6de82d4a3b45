"""What the dispatcher (:mod:`.dispatch`) and every path share, so that no
path imports another's internals:

* :class:`Options` in (microversion, random order, and ``fast_path``:
  False forces the general path, for the tests that compare the paths);
* :class:`Resolved` and :class:`GroupFilter`: the request in ids, as
  :mod:`.resolve` hands it to the path the dispatcher picked;
* :class:`Result` out: candidates in ids with the names to show them
  (the general path), or the whole answer body (the fast paths);
* :func:`snapshot_read`: the one read transaction a request runs in, so
  that concurrent writes never show half-applied.
"""
from __future__ import annotations

import dataclasses
import random

from nubes.common.db.transaction import Database
from nubes.placement.candidates.request import RequestGroup

# A candidate: provider id -> {class id: amount}, and suffix -> provider ids.
Allocations = dict[int, dict[int, int]]
Mappings = dict[str, list[int]]


@dataclasses.dataclass
class Options:
    version: tuple[int, int]
    randomize: bool = False
    rng: random.Random | None = None
    # False: the general path even for requests the fast paths serve (tests
    # compare them).
    fast_path: bool = True


@dataclasses.dataclass
class GroupFilter:
    """One request group, in ids.  ``any_of_aggs``: each entry a set of
    aggregate ids (empty set: the aggregate does not exist -> no match)."""
    amounts: dict[int, int]                # class id -> amount
    any_of_aggs: list[set[int]]
    forbidden_aggs: set[int]
    tree_root: int | None                  # in_tree, as the tree's root id
    forbidden_traits: set[int]
    # Aggregates of a provider's root count as its own (the unsuffixed group:
    # its member_of spans the tree); False for suffixed groups, whose
    # member_ofN applies to the provider supplying the group itself.
    aggs_on_root: bool = True
    # Granular groups only (per-provider traits):
    required_traits: set[int] = dataclasses.field(default_factory=set)
    any_of_traits: list[set[int]] = dataclasses.field(default_factory=list)
    # A window of trees: root ids in [lo, hi), plus the providers in ``also``
    # (sharing providers, which lend across windows).
    root_range: tuple[int, int] | None = None
    also: set[int] = dataclasses.field(default_factory=set)


@dataclasses.dataclass
class Resolved:
    """The request's names as ids, read in the request's transaction."""
    all_classes: dict[int, str]            # every resource class: id -> name
    class_ids: dict[str, int]              # the requested classes: name -> id
    trait_ids: dict[str, int]              # every trait the request names
    # Per request group (in the request's order), its filter.
    filters: list[tuple[RequestGroup, GroupFilter]]


@dataclasses.dataclass
class Result:
    """Candidates in ids plus the names needed to show them."""
    candidates: list[tuple[Allocations, Mappings]]
    uuid_of: dict[int, str]
    class_name: dict[int, str]
    # uuid -> {"resources": {...}, "traits": [...], "parent_provider_uuid", ...}
    summaries: dict[str, dict]
    # The whole answer body, when a fast path built it directly.
    body: dict | None = None

    @classmethod
    def empty(cls) -> Result:
        return cls([], {}, {}, {})

    @classmethod
    def of_body(cls, body: dict) -> Result:
        """A fast path's answer, written as JSON already."""
        return cls([], {}, {}, {}, body)


def snapshot_read(db: Database, work):
    """``work(conn)`` in one read transaction: REPEATABLE READ on
    MariaDB/PostgreSQL, SQLite's read transaction."""
    with db.engine.connect() as conn:
        if db.backend in ("postgresql", "mysql"):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            return work(conn)
