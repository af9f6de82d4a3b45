"""Parsing of the query parameters placement shares between
GET /resource_providers and GET /allocation_candidates.

Pure functions: text in, plain values out, domain errors on bad input.
Each takes the request's microversion where the syntax depends on it.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Iterable

from nubes.common.wsgi.body import is_uuid_like
from nubes.placement.uuids import canonical as canonical_uuid
from nubes.placement import exceptions as exc
from nubes.placement.models import MAX_INT

_RESOURCE_RE = re.compile(r"^([A-Z0-9_]+):(\d+)$")
_TRAIT_RE = re.compile(r"^[A-Z0-9_]+$")


@dataclasses.dataclass
class AggregateFilter:
    """``member_of``: every set in ``any_of`` must share an aggregate with the
    provider (AND of ORs); ``forbidden`` aggregates must not."""
    any_of: list[set[str]] = dataclasses.field(default_factory=list)
    forbidden: set[str] = dataclasses.field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.any_of or self.forbidden)


@dataclasses.dataclass
class TraitFilter:
    """``required``: all of ``required``, none of ``forbidden``, and at
    least one trait of each set in ``any_of``."""
    required: set[str] = dataclasses.field(default_factory=set)
    forbidden: set[str] = dataclasses.field(default_factory=set)
    any_of: list[set[str]] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.required or self.forbidden or self.any_of)

    def names(self) -> set[str]:
        out = self.required | self.forbidden
        for group in self.any_of:
            out |= group
        return out


def parse_resources(value: str, *, allow_zero: bool = False) -> dict[str, int]:
    """``VCPU:2,MEMORY_MB:1024`` -> {"VCPU": 2, "MEMORY_MB": 1024}."""
    result: dict[str, int] = {}
    for item in value.split(","):
        match = _RESOURCE_RE.match(item.strip())
        if not match:
            raise exc.InvalidQuery(
                "Badly formed resources parameter. Expected resources query string "
                "parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. "
                f"Got: {value}.")
        # No inventory's max_unit passes MAX_INT, so a larger amount can never
        # be met: it is kept just past that, which every backend (and the
        # candidates' JSON) can hold, and matches nothing.
        name, amount = match.group(1), min(int(match.group(2)), MAX_INT + 1)
        if amount < 1 and not allow_zero:
            raise exc.InvalidQuery(
                f"Requested resource {name} expected positive integer amount. Got: {amount}.")
        if name in result:
            raise exc.InvalidQuery(
                f"Badly formed resources parameter. Resource class {name} "
                f"specified more than once. Got: {value}.")
        result[name] = amount
    return result


def parse_member_of(values: Iterable[str], version, *, param: str = "member_of") -> AggregateFilter:
    values = list(values)
    if len(values) > 1 and version < (1, 24):
        suffix = param[len("member_of"):]
        raise exc.InvalidQuery(f"Multiple member_of{suffix} parameters are not supported")
    result = AggregateFilter()
    for raw in values:
        value = raw.strip()
        forbidden = value.startswith("!")
        if forbidden:
            if version < (1, 32):
                raise exc.InvalidQuery("Forbidden member_of parameters are not supported "
                                       "in the specified microversion")
            value = value[1:]
        any_of = value.startswith("in:")
        if any_of:
            value = value[3:]
        uuids = [u.strip() for u in value.split(",")]
        if not uuids or not all(is_uuid_like(u) for u in uuids):
            raise _bad_member_of(param, raw)
        if len(uuids) > 1 and not any_of:
            raise _bad_member_of(param, raw)
        uuids = [canonical_uuid(u) for u in uuids]
        if forbidden:
            result.forbidden.update(uuids)
        else:
            result.any_of.append(set(uuids))
    # An aggregate both required and forbidden (member_of=X&member_of=!X) is
    # a valid query that no provider satisfies: placement answers 200, empty.
    return result


def _bad_member_of(param: str, raw: str) -> exc.InvalidQuery:
    return exc.InvalidQuery(
        f"Invalid query string parameters: Expected '{param}' parameter to contain "
        f"valid UUID(s). Got: {raw}")


def parse_required(values: Iterable[str], version, *, param: str = "required") -> TraitFilter:
    values = list(values)
    if len(values) > 1 and version < (1, 39):
        raise exc.InvalidQuery(
            f"Invalid query string parameters: Expected '{param}' to be given once "
            "(repeating it needs microversion 1.39).")
    result = TraitFilter()
    for raw in values:
        value = raw.strip()
        if value.startswith("in:"):
            if version < (1, 39):
                raise exc.InvalidQuery(
                    "Invalid query string parameters: The format "
                    "'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only supported since microversion "
                    f"1.39. Got: {raw}")
            names = [n.strip() for n in value[3:].split(",")]
            if not all(_TRAIT_RE.match(n) for n in names):
                raise _bad_required(param, raw, version)
            result.any_of.append(set(names))
            continue
        for name in (n.strip() for n in value.split(",")):
            forbidden = name.startswith("!")
            if forbidden:
                if version < (1, 22):
                    raise _bad_required(param, raw, version)
                name = name[1:]
            if not _TRAIT_RE.match(name):
                raise _bad_required(param, raw, version)
            (result.forbidden if forbidden else result.required).add(name)
    conflict = result.required & result.forbidden
    if conflict:
        raise exc.InvalidQuery(
            "Conflicting required and forbidden traits found in the following traits "
            f"keys: {param}: ({', '.join(sorted(conflict))})")
    return result


def _bad_required(param: str, raw: str, version) -> exc.InvalidQuery:
    example = "HW_CPU_X86_VMX,CUSTOM_MAGIC"
    if version >= (1, 22):
        example = "HW_CPU_X86_VMX,!CUSTOM_MAGIC"
    if version >= (1, 39):
        example += " or in:HW_CPU_X86_VMX,CUSTOM_MAGIC"
    return exc.InvalidQuery(
        f"Invalid query string parameters: Expected '{param}' parameter value of the "
        f"form: {example}. Got: {raw}")
