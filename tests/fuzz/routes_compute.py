"""The compute API's routes (``nubes/api/compute/routes.py``) with their body
schemas (the handlers' own, imported) and query parameters."""
from __future__ import annotations

from hypothesis import strategies as st

from nubes.api.compute import microversions
from nubes.api.compute import routes as compute_routes
from nubes.api.compute.handlers import server_actions
from nubes.api.compute.handlers.key_pairs import _schema as keypair_schema
from nubes.api.compute.schemas import (
    aggregates,
    flavors,
    hosts,
    image_metadata,
    quota_sets,
    server_create,
    server_groups,
    server_metadata,
    server_tags,
    server_update,
    services,
)
from nubes.api.compute.schemas import servers as server_query
from tests.fuzz import hostile
from tests.fuzz.generate import Api, Route, complete

V = "/v2.1"
SRV = V + "/servers/{server_id}"
_LIST = ("limit", "marker", "sort_key", "sort_dir")
_SERVER_QUERY = tuple(server_query.FILTERS) + tuple(server_query.ADMIN_FILTERS) + _LIST
_FORCE_COMPLETE = {"type": "object", "properties": {"force_complete": {"type": "null"}},
                   "required": ["force_complete"]}


def _action_body(version) -> dict:
    """One of the server actions, each with its own schema at ``version``."""
    options = []
    for name, action in server_actions.ACTIONS.items():
        schema = action.schema
        for since, newer in action.schema_from:
            if version >= since:
                schema = newer
        options.append({"type": "object", "properties": {name: schema}, "required": [name]})
    return {"anyOf": options}


def _server_group(version) -> dict:
    if version >= (2, 64):
        return server_groups.CREATE_V264
    return server_groups.CREATE_V215 if version >= (2, 15) else server_groups.CREATE_V21


def _service_update(version) -> dict:
    if version >= (2, 53):
        return services.UPDATE_V2_53
    return {"anyOf": [services.ENABLE_DISABLE, services.DISABLE_LOG_REASON,
                      services.FORCE_DOWN]}


_EXPLICIT = [
    Route("GET", V + "/os-services", query=("binary", "host")),
    Route("PUT", V + "/os-services/{service_id}", _service_update),
    Route("DELETE", V + "/os-services/{service_id}"),
    Route("GET", V + "/os-hypervisors", query=("hypervisor_hostname_pattern", "with_servers")
          + _LIST),
    Route("GET", V + "/os-hypervisors/detail", query=("hypervisor_hostname_pattern",
                                                      "with_servers") + _LIST),
    Route("GET", V + "/os-hypervisors/statistics"),
    Route("GET", V + "/os-hypervisors/{hypervisor_id}", query=("with_servers",)),
    Route("GET", V + "/os-hypervisors/{hypervisor_id}/uptime"),
    Route("GET", V + "/os-hypervisors/{hypervisor_id}/search"),
    Route("GET", V + "/os-hypervisors/{hypervisor_id}/servers"),
    Route("GET", V + "/os-availability-zone/detail"),
    Route("GET", V + "/os-aggregates"),
    Route("POST", V + "/os-aggregates", aggregates.CREATE),
    Route("GET", V + "/os-aggregates/{aggregate_id}"),
    Route("PUT", V + "/os-aggregates/{aggregate_id}", aggregates.UPDATE),
    Route("DELETE", V + "/os-aggregates/{aggregate_id}"),
    Route("POST", V + "/os-aggregates/{aggregate_id}/action", aggregates.ACTION),
    Route("GET", V + "/flavors", query=("minRam", "minDisk", "is_public") + _LIST),
    Route("GET", V + "/flavors/detail", query=("minRam", "minDisk", "is_public") + _LIST),
    Route("POST", V + "/flavors", lambda v: flavors.CREATE_V255 if v >= (2, 55)
          else flavors.CREATE_V21),
    Route("GET", V + "/flavors/{flavor_id}"),
    Route("PUT", V + "/flavors/{flavor_id}", flavors.UPDATE),
    Route("DELETE", V + "/flavors/{flavor_id}"),
    Route("POST", V + "/flavors/{flavor_id}/action", flavors.ACTION),
    Route("GET", V + "/flavors/{flavor_id}/os-flavor-access"),
    Route("GET", V + "/flavors/{flavor_id}/os-extra_specs"),
    Route("POST", V + "/flavors/{flavor_id}/os-extra_specs", flavors.EXTRA_SPECS_CREATE),
    Route("GET", V + "/flavors/{flavor_id}/os-extra_specs/{key}"),
    Route("PUT", V + "/flavors/{flavor_id}/os-extra_specs/{key}", flavors.EXTRA_SPEC_UPDATE),
    Route("DELETE", V + "/flavors/{flavor_id}/os-extra_specs/{key}"),
    Route("GET", V + "/os-server-groups", query=("all_projects", "limit", "offset")),
    Route("POST", V + "/os-server-groups", _server_group),
    Route("GET", V + "/os-server-groups/{group_id}"),
    Route("DELETE", V + "/os-server-groups/{group_id}"),
    Route("GET", V + "/limits", query=("tenant_id", "reserved")),
    Route("GET", V + "/os-keypairs", query=("user_id", "limit", "marker")),
    Route("POST", V + "/os-keypairs", keypair_schema),
    Route("GET", V + "/os-keypairs/{name}", query=("user_id",)),
    Route("DELETE", V + "/os-keypairs/{name}", query=("user_id",)),
    Route("GET", V + "/servers", query=_SERVER_QUERY),
    Route("GET", V + "/servers/detail", query=_SERVER_QUERY),
    Route("POST", V + "/servers", server_create.schema),
    Route("POST", V + "/servers", server_create.schema),
    Route("GET", SRV),
    Route("PUT", SRV, server_update.schema),
    Route("DELETE", SRV),
    Route("POST", SRV + "/action", _action_body),
    Route("POST", SRV + "/action", _action_body),
    Route("GET", SRV + "/diagnostics"),
    Route("GET", SRV + "/os-instance-actions", query=("limit", "marker", "changes-since",
                                                      "changes-before")),
    Route("GET", SRV + "/os-instance-actions/{request_id}"),
    Route("GET", SRV + "/metadata"),
    Route("POST", SRV + "/metadata", server_metadata.ALL),
    Route("PUT", SRV + "/metadata", server_metadata.ALL),
    Route("GET", SRV + "/metadata/{key}"),
    Route("PUT", SRV + "/metadata/{key}", server_metadata.ITEM),
    Route("DELETE", SRV + "/metadata/{key}"),
    Route("GET", SRV + "/tags"),
    Route("PUT", SRV + "/tags", server_tags.REPLACE),
    Route("DELETE", SRV + "/tags"),
    Route("GET", SRV + "/tags/{tag}"),
    Route("PUT", SRV + "/tags/{tag}"),
    Route("DELETE", SRV + "/tags/{tag}"),
    Route("GET", SRV + "/ips"),
    Route("GET", SRV + "/ips/{network_label}"),
    Route("GET", SRV + "/os-server-password"),
    Route("DELETE", SRV + "/os-server-password"),
    Route("GET", V + "/os-quota-sets/{tenant_id}", query=("user_id",)),
    Route("PUT", V + "/os-quota-sets/{tenant_id}", quota_sets.update_quota_set,
          query=("user_id",)),
    Route("DELETE", V + "/os-quota-sets/{tenant_id}", query=("user_id",)),
    Route("GET", V + "/os-quota-sets/{tenant_id}/detail", query=("user_id",)),
    Route("GET", V + "/os-quota-sets/{tenant_id}/defaults"),
    Route("GET", V + "/os-quota-class-sets/{class_id}"),
    Route("PUT", V + "/os-quota-class-sets/{class_id}", quota_sets.update_quota_class),
    Route("GET", V + "/os-simple-tenant-usage", query=("start", "end", "detailed", "limit",
                                                       "marker")),
    Route("GET", V + "/os-simple-tenant-usage/{tenant_id}", query=("start", "end", "limit",
                                                                   "marker")),
    Route("GET", V + "/os-instance_usage_audit_log"),
    Route("GET", V + "/os-instance_usage_audit_log/{before_timestamp}"),
    Route("GET", V + "/os-hosts", query=("zone",)),
    Route("GET", V + "/os-hosts/{host_name}"),
    Route("PUT", V + "/os-hosts/{host_name}", hosts.UPDATE),
    Route("GET", V + "/os-hosts/{host_name}/reboot"),
    Route("GET", V + "/os-hosts/{host_name}/startup"),
    Route("GET", V + "/extensions/{alias}"),
    Route("GET", V + "/images", query=("name", "status", "minRam", "minDisk", "limit",
                                       "marker", "changes-since")),
    Route("GET", V + "/images/{image_id}"),
    Route("DELETE", V + "/images/{image_id}"),
    Route("POST", V + "/images/{image_id}/metadata", image_metadata.METADATA),
    Route("PUT", V + "/images/{image_id}/metadata", image_metadata.METADATA),
    Route("PUT", V + "/images/{image_id}/metadata/{key}", image_metadata.META),
    Route("DELETE", V + "/images/{image_id}/metadata/{key}"),
    Route("GET", V + "/os-migrations", query=("host", "status", "instance_uuid",
                                              "migration_type", "source_compute",
                                              "changes-since", "changes-before", "user_id",
                                              "project_id") + _LIST),
    Route("GET", SRV + "/migrations"),
    Route("GET", SRV + "/migrations/{migration_id}"),
    Route("DELETE", SRV + "/migrations/{migration_id}"),
    Route("POST", SRV + "/migrations/{migration_id}/action", _FORCE_COMPLETE),
    # The legacy project-scoped URLs reach the same handlers.
    Route("GET", "/v2.1/{tenant_id}/servers/{server_id}"),
    Route("GET", "/v2/{tenant_id}/flavors", query=("minRam", "minDisk")),
]
# Every other route of the table, with no body.
ROUTES = complete(_EXPLICIT, compute_routes.ROUTES)

# 501 is the API reference's answer when the hypervisor driver cannot do
# what is asked (host power and maintenance, host uptime; a guest call such
# as console output, diagnostics or a password change).
NOT_IMPLEMENTED = frozenset(
    [f"GET {V}/os-hosts/{{host_name}}/{action}" for action in ("reboot", "shutdown", "startup")]
    + [f"PUT {V}/os-hosts/{{host_name}}", f"GET {V}/os-hypervisors/{{hypervisor_id}}/uptime",
       f"POST {SRV}/action", f"GET {SRV}/diagnostics"])

QUERY_VALUES = {
    "limit": ["1", "0", "1000"], "marker": [], "sort_key": sorted(server_query.SORT_KEYS),
    "sort_dir": ["asc", "desc"], "all_tenants": ["1", "true", ""], "status": ["ACTIVE"],
    "changes-since": ["2020-01-01T00:00:00Z"], "changes-before": ["2099-01-01T00:00:00Z"],
    "minRam": ["512"], "minDisk": ["1"], "is_public": ["true", "none", "false"],
    "start": ["2020-01-01T00:00:00"], "end": ["2099-01-01T00:00:00"], "detailed": ["1"],
    "with_servers": ["true"], "tags": ["t1,t2"], "locked": ["true"],
}


_TIMES = st.one_of(
    st.datetimes().map(lambda t: t.isoformat()),
    st.sampled_from(["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2020-13-45T25:61:61Z",
                     "2020-01-01T00:00:00+99:00", "2020-01-01T00:00:00.9999999999999Z",
                     "-2020-01-01", "20200101", "now", "1e10"]))
QUERY_STRATEGIES = {"changes-since": _TIMES, "changes-before": _TIMES, "start": _TIMES,
                    "end": _TIMES, "minRam": hostile.huge_or_edge_int().map(str),
                    "minDisk": hostile.huge_or_edge_int().map(str),
                    "limit": hostile.huge_or_edge_int().map(str),
                    "tags": st.lists(st.sampled_from(["t1", "", ",", "a" * 61, "x/y"]),
                                     max_size=60).map(",".join)}


def _versions() -> st.SearchStrategy[dict[str, str]]:
    minor = hostile.weighted(
        (9, st.integers(min_value=1, max_value=microversions.MAXIMUM.minor)),
        (1, st.integers(min_value=microversions.MAXIMUM.minor + 1, max_value=10**25)))
    value = hostile.weighted(
        (8, minor.map(lambda m: f"2.{m}")), (1, st.just("latest")),
        (1, st.sampled_from(["3.0", "1.1", "2.", "2.0", "2", "abc", "", "2.1.1", "2.-1",
                             "2.01", " 2.5 ", "latest latest", "2.1\t",
                             "99999999999999999999999.1"])))
    return hostile.weighted(
        (2, st.just({})),
        (5, value.map(lambda v: {"OpenStack-API-Version": f"compute {v}"})),
        (2, value.map(lambda v: {"X-OpenStack-Nova-API-Version": v})),
        (1, value.map(lambda v: {"OpenStack-API-Version": f"placement {v}, compute {v}"})),
        (1, st.sampled_from([{"OpenStack-API-Version": "compute"},
                             {"OpenStack-API-Version": "volume 3.0"},
                             {"OpenStack-API-Version": "compute 2.5, compute 2.6"}])))


def _parse_version(headers: dict[str, str]) -> tuple[int, int]:
    value = headers.get("OpenStack-API-Version", "").split(",")[-1].split()
    text = value[-1] if value else headers.get("X-OpenStack-Nova-API-Version", "2.1")
    if text == "latest":
        return (2, microversions.MAXIMUM.minor)
    try:
        major, minor = text.split(".")
        return int(major), min(int(minor), 1000)
    except ValueError:
        return (2, 1)


def api() -> Api:
    return Api(name="compute", routes=ROUTES, versions=_versions,
               parse_version=_parse_version, query_values=QUERY_VALUES,
               query_strategies=QUERY_STRATEGIES,
               not_implemented=NOT_IMPLEMENTED)


