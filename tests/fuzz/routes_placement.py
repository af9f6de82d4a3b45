"""Placement's routes (``nubes/placement/routes.py``) with their body
schemas (the handlers' own, imported) and query parameters."""
from __future__ import annotations

from hypothesis import strategies as st

from nubes.placement import microversions
from nubes.placement import routes as placement_routes
from nubes.placement.schemas import (
    aggregate,
    allocation,
    inventory,
    reshaper,
    resource_class,
    resource_provider,
    trait,
)
from tests.fuzz import hostile
from tests.fuzz.generate import Api, Route, complete

RP = "/resource_providers/{uuid}"
_PROVIDERS_QUERY = ("name", "uuid", "member_of", "resources", "in_tree", "required",
                    "root_required")
_CANDIDATES_QUERY = ("resources", "required", "member_of", "in_tree", "limit", "group_policy",
                     "root_required", "same_subtree", "resources1", "required1",
                     "member_of1", "resources_X", "in_tree2")


def _provider(schema_old, schema_new):
    return lambda version: schema_new if version >= (1, 14) else schema_old


_EXPLICIT = [
    Route("GET", "/resource_providers", query=_PROVIDERS_QUERY),
    Route("POST", "/resource_providers", _provider(resource_provider.POST_PROVIDER,
                                                   resource_provider.POST_PROVIDER_V1_14)),
    Route("PUT", RP, _provider(resource_provider.PUT_PROVIDER,
                               resource_provider.PUT_PROVIDER_V1_14)),
    Route("POST", RP + "/inventories", inventory.POST_INVENTORY),
    Route("PUT", RP + "/inventories", inventory.PUT_INVENTORIES),
    Route("PUT", RP + "/inventories/{resource_class}", inventory.PUT_INVENTORY),
    Route("PUT", RP + "/aggregates", lambda v: aggregate.PUT_AGGREGATES_V1_19
          if v >= (1, 19) else aggregate.PUT_AGGREGATES),
    Route("PUT", RP + "/traits", trait.SET_PROVIDER_TRAITS),
    Route("POST", "/resource_classes", resource_class.POST_RESOURCE_CLASS),
    Route("PUT", "/resource_classes/{name}", resource_class.PUT_RESOURCE_CLASS_V1_2),
    Route("GET", "/traits", query=("name", "associated")),
    Route("POST", "/allocations", allocation.post_schema),
    Route("PUT", "/allocations/{consumer_uuid}", allocation.put_schema),
    Route("PUT", "/allocations/{consumer_uuid}", allocation.put_schema),
    Route("GET", "/allocation_candidates", query=_CANDIDATES_QUERY),
    Route("GET", "/allocation_candidates", query=_CANDIDATES_QUERY),
    Route("GET", "/usages", query=("project_id", "user_id", "consumer_type")),
    Route("POST", "/reshaper", reshaper.reshape_schema),
]
ROUTES = complete(_EXPLICIT, placement_routes.ROUTES)

QUERY_VALUES = {
    "resources": ["VCPU:1", "VCPU:1,MEMORY_MB:512", "DISK_GB:1", "VCPU:0", "CUSTOM_FUZZ:1"],
    "resources1": ["VCPU:1"], "required": ["HW_CPU_X86_AVX", "!CUSTOM_FUZZ",
                                           "in:CUSTOM_FUZZ,HW_CPU_X86_AVX"],
    "member_of": ["in:00000000-0000-0000-0000-000000000001"], "limit": ["1", "10"],
    "group_policy": ["none", "isolate"], "name": ["startswith:CUSTOM", "in:CUSTOM_FUZZ"],
    "associated": ["true", "false"], "project_id": ["demo-project"],
    "consumer_type": ["INSTANCE", "all", "unknown"],
}


_CLASSES = st.sampled_from(["VCPU", "MEMORY_MB", "DISK_GB", "CUSTOM_FUZZ", "CUSTOM_NONE",
                            "vcpu", "", "VCPU\u00e9"])
_AMOUNT = hostile.weighted((2, hostile.huge_or_edge_int().map(str)),
                           (1, hostile.hostile_string().filter(lambda s: len(s) < 100)))
_TRAITS = st.sampled_from(["HW_CPU_X86_AVX", "CUSTOM_FUZZ", "!CUSTOM_FUZZ", "!", "CUSTOM_",
                           "in:", "in:CUSTOM_FUZZ,HW_CPU_X86_AVX", "!in:CUSTOM_FUZZ", "lower"])
_IDS = st.one_of(st.uuids().map(str), st.sampled_from(["", "not-a-uuid", "in:", "!in:x"]))


def _joined(item: st.SearchStrategy[str], prefix: str = "") -> st.SearchStrategy[str]:
    return st.lists(item, min_size=1, max_size=5).map(lambda items: prefix + ",".join(items))


_RESOURCES = _joined(st.builds(lambda rc, n: f"{rc}:{n}", _CLASSES, _AMOUNT))
QUERY_STRATEGIES = {
    "resources": _RESOURCES, "resources1": _RESOURCES, "resources_X": _RESOURCES,
    "required": _joined(_TRAITS), "required1": _joined(_TRAITS),
    "root_required": _joined(_TRAITS),
    "member_of": hostile.weighted((1, _joined(_IDS, "in:")), (1, _joined(_IDS, "!in:")),
                                  (1, _IDS)),
    "in_tree": _IDS, "in_tree2": _IDS, "same_subtree": _joined(st.sampled_from(
        ["_COMPUTE", "1", "_X", "", "resources1"])),
    "limit": hostile.huge_or_edge_int().map(str),
}


def _versions() -> st.SearchStrategy[dict[str, str]]:
    minor = hostile.weighted(
        (9, st.integers(min_value=0, max_value=microversions.MAXIMUM.minor)),
        (1, st.integers(min_value=microversions.MAXIMUM.minor + 1, max_value=10**25)))
    value = hostile.weighted(
        (8, minor.map(lambda m: f"1.{m}")), (1, st.just("latest")),
        (1, st.sampled_from(["2.0", "1.", "1", "abc", "", "1.1.1", "1.-1", "0.9",
                             "99999999999999999999999.1"])))
    return hostile.weighted(
        (2, st.just({})),
        (6, value.map(lambda v: {"OpenStack-API-Version": f"placement {v}"})),
        (1, value.map(lambda v: {"OpenStack-API-Version": f"compute 2.1, placement {v}"})),
        (1, st.sampled_from([{"OpenStack-API-Version": "placement"},
                             {"OpenStack-API-Version": "placement 1.1, placement 1.2"}])))


def _parse_version(headers: dict[str, str]) -> tuple[int, int]:
    value = headers.get("OpenStack-API-Version", "").split()
    text = value[-1] if value else "1.0"
    if text == "latest":
        return (1, microversions.MAXIMUM.minor)
    try:
        major, minor = text.split(".")
        return int(major), min(int(minor), 1000)
    except ValueError:
        return (1, 0)


def api() -> Api:
    return Api(name="placement", routes=ROUTES, versions=_versions,
               parse_version=_parse_version, query_values=QUERY_VALUES,
               query_strategies=QUERY_STRATEGIES,
               # Placement is for services: members are mostly 403s.
               callers=("admin",) * 7 + ("member", "none", "bad"))
