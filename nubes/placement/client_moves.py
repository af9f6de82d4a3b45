"""The placement client's calls for moves (resize, migrations, evacuation):
allocations handed from one consumer to another in one ``POST
/allocations``, and the shared storage pools a move keeps its disk in.
:class:`nubes.placement.client.PlacementClient` has them; import that.

While a move is in flight the migration's uuid holds the source host's
allocation and the instance's uuid the destination's.  Within a shared
storage pool (a provider with the trait ``MISC_SHARES_VIA_AGGREGATE`` in
an aggregate with both hosts) the allocation on the pool is the
instance's all along: only the hosts' parts change hands
(:meth:`MoveAllocations.swap_for_move` on the way out,
``move_allocations(keep_shared=True)`` on the way back).
"""
from __future__ import annotations

from typing import Iterable

import orjson

from nubes.placement.client_records import ConsumerAllocations, Provider, provider_from

_CLAIM = "1.38"          # consumer generations (1.28) + consumer types (1.38)
_SHARING = "1.18"        # required=<traits> on GET /resource_providers

# The trait of a provider whose inventory the providers of its aggregates share.
MISC_SHARES_VIA_AGGREGATE = "MISC_SHARES_VIA_AGGREGATE"


class MoveAllocations:
    """Mixed into the client (which gives ``request``,
    ``retry_on_concurrent_update`` and the placement errors)."""

    def get_allocations(self, consumer: str, *,
                        request_id: str | None = None) -> ConsumerAllocations:
        resp = self.request("GET", f"/allocations/{consumer}", version=_CLAIM,
                            request_id=request_id)
        data = orjson.loads(resp.content)
        return ConsumerAllocations(
            {rp: dict(a["resources"]) for rp, a in data.get("allocations", {}).items()},
            data.get("consumer_generation"), data.get("project_id"), data.get("user_id"))

    def move_allocations(self, source: str, target: str, *, target_type: str = "INSTANCE",
                         source_type: str = "INSTANCE", keep_shared: bool = False,
                         shared_delta: dict[str, int] | None = None,
                         request_id: str | None = None) -> bool:
        """In one ``POST /allocations``: ``target`` gets ``source``'s
        allocations (in place of its own) and ``source`` none, both checked
        against their consumer generations (re-read and retried when
        another writer got there first).  False when ``source`` has none.

        ``keep_shared`` (a move within a shared storage pool going back):
        when ``source`` holds nothing on a sharing provider (trait
        MISC_SHARES_VIA_AGGREGATE), ``target`` keeps its own allocations on
        sharing providers, changed by ``shared_delta`` (amount per class;
        a class that reaches 0 goes); otherwise everything moves as above."""
        def attempt() -> bool:
            held = self.get_allocations(source, request_id=request_id)
            if not held.allocations:
                return False
            current = self.get_allocations(target, request_id=request_id)
            allocations = dict(held.allocations)
            if keep_shared:
                allocations.update(self._kept_shared(held, current, shared_delta or {},
                                                     request_id))
            self._post_allocations({
                target: _consumer(allocations, held, current.generation, target_type),
                source: _consumer({}, held, held.generation, source_type)}, request_id)
            return True
        return self.retry_on_concurrent_update(attempt)

    def swap_for_move(self, instance: str, migration: str, *, shared: Iterable[str],
                      shared_delta: dict[str, int] | None = None,
                      migration_type: str = "MIGRATION",
                      request_id: str | None = None) -> None:
        """A move within a shared storage pool, in one ``POST /allocations``:
        ``migration`` (which holds the scheduler's claim on the destination
        host) hands that claim to ``instance`` and takes the instance's
        allocations on the source host; the instance's allocations on the
        ``shared`` providers stay with it, changed by ``shared_delta``
        (amount per class: a resize's bigger disk).  Re-read and retried on
        a concurrent update; a pool too full for a bigger disk is a
        :class:`PlacementConflict`."""
        shared = set(shared)

        def attempt() -> None:
            mine = self.get_allocations(instance, request_id=request_id)
            claim = self.get_allocations(migration, request_id=request_id)
            if not claim.allocations:
                raise LookupError(f"placement: {migration} holds no claim to hand over")
            kept = _changed({rp: r for rp, r in mine.allocations.items() if rp in shared},
                            shared_delta or {})
            source = {rp: r for rp, r in mine.allocations.items() if rp not in shared}
            self._post_allocations({
                instance: _consumer({**claim.allocations, **kept}, mine, mine.generation,
                                    "INSTANCE"),
                migration: _consumer(source, mine, claim.generation, migration_type)},
                request_id)
        self.retry_on_concurrent_update(attempt)

    def sharing_providers(self, *, aggregate: str | None = None,
                          request_id: str | None = None) -> list[Provider]:
        """The providers with the trait MISC_SHARES_VIA_AGGREGATE (those in
        ``aggregate`` when given)."""
        params = {"required": MISC_SHARES_VIA_AGGREGATE}
        if aggregate:
            params["member_of"] = aggregate
        resp = self.request("GET", "/resource_providers", version=_SHARING, params=params,
                            request_id=request_id)
        return [provider_from(p) for p in resp.json()["resource_providers"]]

    def _kept_shared(self, held: ConsumerAllocations, current: ConsumerAllocations,
                     delta: dict[str, int], request_id: str | None) -> dict[str, dict]:
        """What ``current`` keeps on sharing providers when ``held`` moves
        over it (nothing when ``held`` has some of its own there)."""
        if not current.allocations:
            return {}
        sharing = {p.uuid for p in self.sharing_providers(request_id=request_id)}
        if sharing & set(held.allocations):
            return {}
        return _changed({rp: r for rp, r in current.allocations.items() if rp in sharing},
                        delta)

    def _post_allocations(self, body: dict, request_id: str | None) -> None:
        self.request("POST", "/allocations", version=_CLAIM, json=body,
                     request_id=request_id, ok=(204,))


def _consumer(allocations: dict[str, dict], owner: ConsumerAllocations,
              generation: int | None, consumer_type: str) -> dict:
    """One consumer's entry of a ``POST /allocations`` body."""
    return {"allocations": {rp: {"resources": r} for rp, r in allocations.items()},
            "project_id": owner.project_id, "user_id": owner.user_id,
            "consumer_generation": generation, "consumer_type": consumer_type}


def _changed(allocations: dict[str, dict], delta: dict[str, int]) -> dict[str, dict]:
    """``allocations`` with ``delta`` added per class (0 or less: gone)."""
    out = {}
    for rp, resources in allocations.items():
        changed = {rc: n + delta.get(rc, 0) for rc, n in resources.items()}
        changed = {rc: n for rc, n in changed.items() if n > 0}
        if changed:
            out[rp] = changed
    return out
