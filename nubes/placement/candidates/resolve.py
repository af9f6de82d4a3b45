"""The request in ids, before any path runs (:mod:`.dispatch` calls it,
in the request's read transaction): resource classes, traits and
aggregates by name, and per request group its :class:`GroupFilter`.

An unknown resource class or trait is the request's fault (a 400); a
group that can match nothing (``in_tree`` naming no provider) makes the
answer empty without searching; an unknown aggregate only matches
nothing (the filter keeps an empty set for it).
"""
from __future__ import annotations

from nubes.placement import exceptions as exc
from nubes.placement.candidates import lookup_sql
from nubes.placement.candidates.contract import GroupFilter, Resolved
from nubes.placement.candidates.request import CandidateRequest, RequestGroup


def resolve(conn, request: CandidateRequest) -> Resolved | None:
    """The request's names as ids and its groups' filters; None when a
    group can match nothing."""
    all_classes = lookup_sql.all_class_names(conn)
    wanted = request.class_names()
    class_ids = {name: cid for cid, name in all_classes.items() if name in wanted}
    missing = wanted - class_ids.keys()
    if missing:
        raise exc.Invalid("Invalid resource class in resources parameter: "
                          f"No such resource class {sorted(missing)[0]}.")
    trait_names = request.trait_names()
    trait_ids = lookup_sql.trait_ids(conn, trait_names)
    missing = trait_names - trait_ids.keys()
    if missing:
        raise exc.Invalid(f"No such trait(s): {', '.join(sorted(missing))}.")
    agg_uuids = set()
    for group in request.groups:
        agg_uuids |= group.member_of.forbidden
        for any_of in group.member_of.any_of:
            agg_uuids |= any_of
    agg_ids = lookup_sql.aggregate_ids(conn, agg_uuids)
    filters = []
    for group in request.groups:
        flt = _group_filter(conn, group, class_ids, trait_ids, agg_ids)
        if flt is None:
            return None
        filters.append((group, flt))
    return Resolved(all_classes, class_ids, trait_ids, filters)


def _group_filter(conn, group: RequestGroup, class_ids, trait_ids, agg_ids
                  ) -> GroupFilter | None:
    tree_root = None
    if group.in_tree:
        provider = lookup_sql.provider_by_uuid(conn, group.in_tree)
        if provider is None:
            return None
        tree_root = provider.root_id
    traits = group.traits
    per_provider = group.use_same_provider or not group.resources
    return GroupFilter(
        amounts={class_ids[n]: a for n, a in group.resources.items()},
        any_of_aggs=[{agg_ids[u] for u in s if u in agg_ids} for s in group.member_of.any_of],
        forbidden_aggs={agg_ids[u] for u in group.member_of.forbidden if u in agg_ids},
        tree_root=tree_root,
        forbidden_traits={trait_ids[n] for n in traits.forbidden},
        aggs_on_root=not group.use_same_provider,
        required_traits={trait_ids[n] for n in traits.required} if per_provider else set(),
        any_of_traits=([{trait_ids[n] for n in s} for s in traits.any_of]
                       if per_provider else []))
