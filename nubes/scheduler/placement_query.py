"""RequestSpec -> the ``GET /allocation_candidates`` query.

What a flavor asks for, in the order it is worked out:

1. extra specs ``resources[$S]:$CLASS=$N`` put $N of $CLASS in request
   group $S (no suffix: the unsuffixed group), ``trait[$S]:$NAME=
   required|forbidden`` require or forbid a trait there, ``group_policy``
   says whether suffixed groups may share a provider;
2. image properties ``trait:$NAME=required`` require a trait in the
   unsuffixed group;
3. the flavor's own sizes fill in what the extra specs did not name:
   VCPU (unless VCPU or PCPU was named in any group), MEMORY_MB and
   DISK_GB = root_gb (not for boot from volume) + ephemeral_gb + swap in
   MB rounded up to GB;
4. a zero amount removes its class from the request (bare-metal flavors
   say ``resources:VCPU=0`` etc. next to ``resources:CUSTOM_X=1``).

Prefilters then add request-wide constraints (``member_of``, forbidden
root traits) to the :class:`CandidatesQuery`, and :meth:`to_params` turns
it into query parameters for placement microversion :data:`VERSION`.
"""
from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import os_resource_classes as orc

from nubes.scheduler.messages import RequestSpec

# 1.35 root_required, 1.36 same_subtree and resourceless groups; nothing
# newer changes the answer's shape.
VERSION = "1.36"

_SUFFIX = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_RESOURCE_KEY = re.compile(r"^resources([^:]*):(.+)$")
_TRAIT_KEY = re.compile(r"^trait([^:]*):(.+)$")
_CLASS_NAME = re.compile(r"^([A-Z0-9_]+)$")
REQUIRED = "required"
FORBIDDEN = "forbidden"


class InvalidRequest(ValueError):
    """A flavor or image asks for something that cannot be a query."""


@dataclasses.dataclass
class RequestGroup:
    suffix: str = ""
    resources: dict[str, int] = dataclasses.field(default_factory=dict)
    required: set[str] = dataclasses.field(default_factory=set)
    forbidden: set[str] = dataclasses.field(default_factory=set)
    # Each entry: "in:a,b" (member of one of them) or "!in:a,b" (of none).
    member_of: list[str] = dataclasses.field(default_factory=list)
    in_tree: str | None = None

    def add_amount(self, rc: str, amount: int) -> None:
        self.resources[rc] = amount

    def params(self) -> list[tuple[str, str]]:
        s = self.suffix
        out: list[tuple[str, str]] = []
        if self.resources:
            out.append((f"resources{s}", ",".join(
                f"{rc}:{n}" for rc, n in sorted(self.resources.items()))))
        traits = sorted(self.required) + sorted(f"!{t}" for t in self.forbidden)
        if traits:
            out.append((f"required{s}", ",".join(traits)))
        for value in self.member_of:
            out.append((f"member_of{s}", value))
        if self.in_tree:
            out.append((f"in_tree{s}", self.in_tree))
        return out


@dataclasses.dataclass
class CandidatesQuery:
    groups: dict[str, RequestGroup] = dataclasses.field(
        default_factory=lambda: {"": RequestGroup()})
    group_policy: str | None = None
    root_required: set[str] = dataclasses.field(default_factory=set)
    root_forbidden: set[str] = dataclasses.field(default_factory=set)
    limit: int | None = None

    @property
    def unsuffixed(self) -> RequestGroup:
        return self.groups.setdefault("", RequestGroup())

    def group(self, suffix: str) -> RequestGroup:
        return self.groups.setdefault(suffix, RequestGroup(suffix=suffix))

    def merged_resources(self) -> dict[str, int]:
        merged: dict[str, int] = {}
        for group in self.groups.values():
            for rc, n in group.resources.items():
                merged[rc] = merged.get(rc, 0) + n
        return merged

    def forbid_root_trait(self, trait: str) -> None:
        self.root_forbidden.add(trait)

    def require_member_of(self, aggregate_uuids: list[str]) -> None:
        """The host (its unsuffixed group's provider) must be in one of
        ``aggregate_uuids``."""
        self.unsuffixed.member_of.append("in:" + ",".join(sorted(set(aggregate_uuids))))

    def forbid_member_of(self, aggregate_uuids: list[str]) -> None:
        self.unsuffixed.member_of.append("!in:" + ",".join(sorted(set(aggregate_uuids))))

    def params(self) -> list[tuple[str, str]]:
        """Query parameters (repeated keys allowed), in a stable order."""
        out: list[tuple[str, str]] = []
        for suffix in sorted(self.groups):
            out.extend(self.groups[suffix].params())
        if self.group_policy:
            out.append(("group_policy", self.group_policy))
        root = sorted(self.root_required) + sorted(f"!{t}" for t in self.root_forbidden)
        if root:
            out.append(("root_required", ",".join(root)))
        if self.limit is not None:
            out.append(("limit", str(self.limit)))
        return sorted(out)

    def describe(self) -> str:
        """The query string as logs show it."""
        return "&".join(f"{k}={v}" for k, v in self.params())


def _amount(key: str, value: Any) -> int:
    try:
        amount = int(str(value).strip())
    except ValueError:
        raise InvalidRequest(f"extra spec {key}={value!r}: the amount is not an "
                             "integer") from None
    if amount < 0:
        raise InvalidRequest(f"extra spec {key}={value!r}: the amount is negative")
    return amount


def _suffix(key: str, suffix: str) -> str:
    if suffix and not _SUFFIX.match(suffix):
        raise InvalidRequest(f"extra spec {key}: bad request group suffix {suffix!r}")
    return suffix


def disk_gb(spec: RequestSpec) -> int:
    """Local disk of the flavor in GB: root (unless boot from volume) +
    ephemeral + swap (MB) rounded up."""
    flavor = spec.flavor
    root = 0 if spec.is_bfv else int(flavor.root_gb or 0)
    return root + int(flavor.ephemeral_gb or 0) + math.ceil(int(flavor.swap or 0) / 1024)


def from_request_spec(spec: RequestSpec, *, limit: int | None = None) -> CandidatesQuery:
    """The query for one instance of ``spec`` (before prefilters)."""
    query = CandidatesQuery(limit=limit)
    for key, value in sorted(spec.flavor.extra_specs.items()):
        if key == "group_policy":
            if value not in ("none", "isolate"):
                raise InvalidRequest(f"extra spec group_policy={value!r}: must be "
                                     "none or isolate")
            query.group_policy = value
            continue
        match = _RESOURCE_KEY.match(key)
        if match:
            suffix, rc = _suffix(key, match.group(1)), match.group(2)
            if not _CLASS_NAME.match(rc):
                raise InvalidRequest(f"extra spec {key}: bad resource class {rc!r}")
            query.group(suffix).add_amount(rc, _amount(key, value))
            continue
        match = _TRAIT_KEY.match(key)
        if match:
            suffix, trait = _suffix(key, match.group(1)), match.group(2)
            _add_trait(query.group(suffix), trait, str(value), key)
    for key, value in sorted(spec.image_properties.items()):
        if key.startswith("trait:") and str(value) == REQUIRED:
            query.unsuffixed.required.add(key[len("trait:"):])

    named = query.merged_resources()
    base = query.unsuffixed
    if orc.VCPU not in named and orc.PCPU not in named:
        base.resources[orc.VCPU] = int(spec.flavor.vcpus or 0)
    if orc.MEMORY_MB not in named:
        base.resources[orc.MEMORY_MB] = int(spec.flavor.memory_mb or 0)
    if orc.DISK_GB not in named:
        base.resources[orc.DISK_GB] = disk_gb(spec)

    for suffix, group in list(query.groups.items()):
        group.resources = {rc: n for rc, n in group.resources.items() if n > 0}
        if suffix and not (group.resources or group.required or group.forbidden):
            del query.groups[suffix]
    if not query.merged_resources():
        raise InvalidRequest("the flavor asks for no resources at all")
    if query.group_policy is None and sum(1 for s in query.groups if s) > 1:
        # Placement needs a policy with several suffixed groups; "none" is
        # what an unspecified policy means everywhere else.
        query.group_policy = "none"

    destination = spec.requested_destination
    if destination is not None:
        for entry in destination.aggregates:
            uuids = [u for u in entry.split(",") if u]
            if uuids:
                query.require_member_of(uuids)
        if destination.forbidden_aggregates:
            query.forbid_member_of(destination.forbidden_aggregates)
    return query


def _add_trait(group: RequestGroup, trait: str, value: str, key: str) -> None:
    if value == REQUIRED:
        group.required.add(trait)
        group.forbidden.discard(trait)
    elif value == FORBIDDEN:
        group.forbidden.add(trait)
        group.required.discard(trait)
    else:
        raise InvalidRequest(f"extra spec {key}={value!r}: must be required or forbidden")


def needs_all_candidates(spec: RequestSpec) -> bool:
    """Whether ``limit`` must be left off: (anti-)affinity and a requested
    host need every candidate, not the first N."""
    hints = spec.scheduler_hints or {}
    if spec.server_group is not None or any(
            hints.get(k) for k in ("group", "same_host", "different_host")):
        return True
    destination = spec.requested_destination
    return bool(destination and (destination.host or destination.node))
