"""The volume API's routes (``nubes/volume/api/routes.py``) with their body
schemas (the handlers' own, imported) and query parameters; every path
with and without the project id, as the API serves them."""
from __future__ import annotations

from hypothesis import strategies as st

from nubes.volume.api import microversions
from nubes.volume.api import routes as volume_routes
from nubes.volume.api.handlers import snapshots as snapshot_handlers
from nubes.volume.api.handlers import volume_actions
from nubes.volume.api.schemas import attachments, quota_sets, snapshots, volume_types, volumes
from tests.fuzz import hostile
from tests.fuzz.generate import Api, Route, complete

_LIST = ("limit", "offset", "marker", "sort", "sort_key", "sort_dir", "with_count",
         "all_tenants", "project_id")
_VOLUME_QUERY = _LIST + ("name", "status", "metadata", "availability_zone", "bootable",
                         "volume_type", "name~", "created_at", "updated_at")


def _actions(table: dict) -> dict:
    """Any one action of a handler's table, each with its own schema."""
    return {"anyOf": [schema for schema, _run in table.values()]}


def _prefixed(routes: list[Route]) -> list[Route]:
    return [Route(r.method, prefix + r.template, r.body, r.query, r.content_type)
            for r in routes for prefix in ("/v3/{project_id}", "/v3")]


_V = "/volumes/{volume_id}"
_S = "/snapshots/{snapshot_id}"
_T = "/types/{type_id}"
_EXPLICIT = _prefixed([
    Route("GET", "/volumes", query=_VOLUME_QUERY),
    Route("GET", "/volumes/detail", query=_VOLUME_QUERY),
    Route("POST", "/volumes", volumes.CREATE),
    Route("PUT", _V, volumes.UPDATE),
    Route("POST", _V + "/action", _actions(volume_actions.ACTIONS)),
    Route("POST", _V + "/metadata", volumes.METADATA),
    Route("PUT", _V + "/metadata", volumes.METADATA),
    Route("PUT", _V + "/metadata/{key}", volumes.META_ITEM),
    Route("GET", "/snapshots", query=_LIST + ("name", "status", "volume_id")),
    Route("GET", "/snapshots/detail", query=_LIST + ("name", "status", "volume_id")),
    Route("POST", "/snapshots", snapshots.CREATE),
    Route("PUT", _S, snapshots.UPDATE),
    Route("POST", _S + "/action", _actions(snapshot_handlers.ACTIONS)),
    Route("POST", _S + "/metadata", volumes.METADATA),
    Route("GET", "/types", query=("is_public",) + _LIST),
    Route("POST", "/types", volume_types.CREATE),
    Route("PUT", _T, volume_types.UPDATE),
    Route("POST", _T + "/action", volume_types.ACCESS_ACTION),
    Route("POST", _T + "/extra_specs", volume_types.EXTRA_SPECS),
    Route("PUT", _T + "/extra_specs/{key}", volume_types.EXTRA_SPEC_ITEM),
    Route("GET", "/attachments", query=_LIST + ("volume_id", "instance_id", "status")),
    Route("GET", "/attachments/detail", query=_LIST + ("volume_id", "instance_id")),
    Route("POST", "/attachments", attachments.CREATE),
    Route("PUT", "/attachments/{attachment_id}", attachments.UPDATE),
    Route("POST", "/attachments/{attachment_id}/action", attachments.ACTION),
    Route("PUT", "/os-quota-sets/{target}", quota_sets.UPDATE),
    Route("GET", "/os-quota-sets/{target}", query=("usage",)),
])
ROUTES = complete(_EXPLICIT, volume_routes.ROUTES)

QUERY_VALUES = {
    "limit": ["1", "0", "100"], "offset": ["0", "1"], "sort": ["name:asc,created_at:desc"],
    "sort_key": ["name", "created_at", "size", "id"], "sort_dir": ["asc", "desc"],
    "with_count": ["true", "false"], "all_tenants": ["1", "true", "0"],
    "status": ["available", "in-use", "error"], "bootable": ["true", "false"],
    "metadata": ['{"k1": "v1"}', "{}", "[]"], "is_public": ["true", "false", "none"],
    "usage": ["true", "false"], "name~": ["vol"],
}
QUERY_STRATEGIES = {
    "limit": hostile.huge_or_edge_int().map(str),
    "offset": hostile.huge_or_edge_int().map(str),
}


def _versions() -> st.SearchStrategy[dict[str, str]]:
    top = microversions.MAX.minor
    minor = hostile.weighted(
        (9, st.integers(min_value=0, max_value=top)),
        (1, st.integers(min_value=top + 1, max_value=10**25)))
    value = hostile.weighted(
        (8, minor.map(lambda m: f"3.{m}")), (1, st.just("latest")),
        (1, st.sampled_from(["2.0", "3.", "3", "abc", "", "3.1.1", "3.-1", "3.01",
                             " 3.5 ", "99999999999999999999999.1"])))
    return hostile.weighted(
        (2, st.just({})),
        (6, value.map(lambda v: {"OpenStack-API-Version": f"volume {v}"})),
        (1, st.sampled_from([{"OpenStack-API-Version": "volume"},
                             {"OpenStack-API-Version": "compute 2.5"},
                             {"OpenStack-API-Version": "volume 3.0, volume 3.1"}])))


def _parse_version(headers: dict[str, str]) -> tuple[int, int]:
    value = headers.get("OpenStack-API-Version", "").split()
    text = value[-1] if value else "3.0"
    if text == "latest":
        return (3, microversions.MAX.minor)
    try:
        major, minor = text.split(".")
        return int(major), min(int(minor), 1000)
    except ValueError:
        return (3, 0)


def api() -> Api:
    return Api(name="volume", routes=ROUTES, versions=_versions,
               parse_version=_parse_version, query_values=QUERY_VALUES,
               query_strategies=QUERY_STRATEGIES)
