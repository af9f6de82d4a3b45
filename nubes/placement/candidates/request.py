"""Query string -> request groups and request-wide parameters.

Pure functions.  The input is the query string as a dict (already
validated against ``schemas.allocation_candidate``: repeatable keys may
hold lists); the output is a :class:`CandidateRequest` or a domain error
carrying the message and code OpenStack Placement gives.

Vocabulary:

* a *request group* is ``resources$S`` / ``required$S`` / ``member_of$S`` /
  ``in_tree$S`` with the same suffix ``$S``.  The unsuffixed group may be
  spread over several providers of one tree (plus sharing providers); a
  suffixed (granular) group must be satisfied by one provider.
* request-wide parameters: ``limit``, ``group_policy``, ``root_required``,
  ``same_subtree``.
"""
from __future__ import annotations

import dataclasses
import re

from nubes.placement import exceptions as exc
from nubes.placement import queryparams, uuids
from nubes.placement.queryparams import AggregateFilter, TraitFilter
from nubes.placement.schemas import allocation_candidate as schema

_PREFIXES = ("resources", "required", "member_of", "in_tree")


@dataclasses.dataclass
class RequestGroup:
    suffix: str
    resources: dict[str, int] = dataclasses.field(default_factory=dict)
    traits: TraitFilter = dataclasses.field(default_factory=TraitFilter)
    member_of: AggregateFilter = dataclasses.field(default_factory=AggregateFilter)
    in_tree: str | None = None

    @property
    def use_same_provider(self) -> bool:
        return self.suffix != ""


@dataclasses.dataclass
class CandidateRequest:
    groups: list[RequestGroup]
    limit: int | None = None
    group_policy: str | None = None
    root_traits: TraitFilter = dataclasses.field(default_factory=TraitFilter)
    same_subtrees: list[list[str]] = dataclasses.field(default_factory=list)
    # Pre-1.29 callers cannot see trees: one provider per tree per request.
    nested_aware: bool = True

    def group(self, suffix: str) -> RequestGroup:
        return next(g for g in self.groups if g.suffix == suffix)

    def trait_names(self) -> set[str]:
        names = set(self.root_traits.names())
        for group in self.groups:
            names |= group.traits.names()
        return names

    def class_names(self) -> set[str]:
        out: set[str] = set()
        for group in self.groups:
            out |= group.resources.keys()
        return out


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _key_re(version) -> re.Pattern:
    suffix = schema.suffix_pattern(version)
    if suffix is None:
        return re.compile(r"^(resources|required|member_of|in_tree)()$")
    return re.compile(rf"^(resources|required|member_of|in_tree)({suffix})?$")


def parse(params: dict, version) -> CandidateRequest:
    """Build the request from validated query parameters."""
    wide = _parse_request_wide(params, version)
    groups = _parse_groups(params, version)
    _check_groups(groups, wide, version)
    if not wide.group_policy and sum(1 for g in groups.values() if g.use_same_provider) > 1:
        raise exc.Invalid('The "group_policy" parameter is required when specifying '
                          'more than one "resources{N}" parameter.')
    # Unsuffixed group first, then the others in suffix order: a stable,
    # documented order for the product over groups.
    ordered = sorted(groups.values(), key=lambda g: (g.suffix != "", g.suffix))
    wide.groups = ordered
    wide.nested_aware = version >= (1, 29)
    return wide


def _parse_request_wide(params: dict, version) -> CandidateRequest:
    request = CandidateRequest(groups=[])
    # Repeated, the first limit and group_policy win (as in placement).
    if "limit" in params:
        request.limit = int(_as_list(params["limit"])[0])
    request.group_policy = (_as_list(params.get("group_policy")) or [None])[0] or None
    root_required = _as_list(params.get("root_required"))
    if len(root_required) > 1:
        raise exc.DuplicateQueryKey(
            "Query parameter 'root_required' may be specified only once.")
    if root_required:
        raw = root_required[0]
        if raw.strip().startswith("in:"):
            raise exc.InvalidQuery(
                "Invalid query string parameters: Expected 'root_required' parameter "
                "value of the form: HW_CPU_X86_VMX,!CUSTOM_MAGIC. "
                f"The 'in:' prefix is not supported in root_required. Got: {raw}")
        request.root_traits = queryparams.parse_required([raw], version, param="root_required")
    for raw in _as_list(params.get("same_subtree")):
        suffixes = [s.strip() for s in raw.split(",")]
        if not all(suffixes):
            raise exc.InvalidQuery(
                "Empty string (unsuffixed group) can not be specified in `same_subtree` ")
        request.same_subtrees.append(suffixes)
    return request


def _parse_groups(params: dict, version) -> dict[str, RequestGroup]:
    key_re = _key_re(version)
    groups: dict[str, RequestGroup] = {}
    for key, value in params.items():
        match = key_re.match(key)
        if not match:
            continue
        prefix, suffix = match.group(1), match.group(2) or ""
        group = groups.setdefault(suffix, RequestGroup(suffix=suffix))
        if prefix == "resources":
            group.resources = queryparams.parse_resources(_as_list(value)[-1])
        elif prefix == "required":
            values = _as_list(value)
            if version < (1, 39):
                values = values[-1:]
            group.traits = queryparams.parse_required(values, version, param=key)
        elif prefix == "member_of":
            group.member_of = queryparams.parse_member_of(_as_list(value), version, param=key)
        else:
            group.in_tree = uuids.canonical(_as_list(value)[-1])
    return groups


def _check_groups(groups: dict[str, RequestGroup], request: CandidateRequest, version) -> None:
    if version < (1, 36):
        _check_orphans(groups)
    else:
        # In placement's order: some group must have resources (a missing
        # value), then every resourceless suffixed group must be in a
        # same_subtree, then every suffix named there must exist (bad values).
        if groups and not any(g.resources for g in groups.values()):
            raise exc.MissingQueryValue(
                "There must be at least one resources or resources[$S] parameter.")
        named = {s for subtree in request.same_subtrees for s in subtree}
        bad = sorted(s for s, g in groups.items() if s and not g.resources and s not in named)
        if bad:
            raise exc.InvalidQuery(
                "Resourceless suffixed group request should be specified in "
                f"`same_subtree` query param: bad group(s) - {bad}.")
        unknown = sorted(named - groups.keys())
        if unknown:
            raise exc.InvalidQuery(
                f"Real suffixes should be specified in `same_subtree`: {unknown} "
                "not found in request groups.")
    if not groups:
        raise exc.Invalid("At least one request group (`resources` or `resources{$S}`) "
                          "is required.")


def _check_orphans(groups: dict[str, RequestGroup]) -> None:
    orphans = [f"required{s}" for s, g in groups.items() if g.traits and not g.resources]
    if orphans:
        raise exc.Invalid("All traits parameters must be associated with resources.  "
                          f"Found the following orphaned traits keys: {', '.join(orphans)}")
    orphans = [f"member_of{s}" for s, g in groups.items() if g.member_of and not g.resources]
    if orphans:
        raise exc.Invalid("All member_of parameters must be associated with resources. "
                          f"Found the following orphaned member_of keys: {', '.join(orphans)}")
    if not all(g.resources for g in groups.values()):
        raise exc.Invalid("All request groups must specify resources.")
