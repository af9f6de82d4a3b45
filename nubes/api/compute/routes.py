"""The compute URL table: path -> {method: handler}.

Everything is under ``/v2.1``; ``/v2.1/{project_id}/...`` and the legacy
``/v2/{project_id}/...`` reach the same handlers (see
``middleware.ProjectPathMiddleware``).  Methods a path does not list get a
405; handlers outside their microversion window answer 404.
"""
from __future__ import annotations

from nubes.api.compute.handlers import (aggregates, availability_zones, hypervisors, services,
                                        versions)

V = "/v2.1"
_HYP = V + "/os-hypervisors"
_AGG = V + "/os-aggregates"

ROUTES = [
    ("/", {"GET": versions.get_versions}),
    ("/v2", {"GET": versions.get_v2_0}),
    ("/v2/", {"GET": versions.get_v2_0}),
    (V, {"GET": versions.get_v2_1}),
    (V + "/", {"GET": versions.get_v2_1}),

    (V + "/os-services", {"GET": services.list_services}),
    (V + "/os-services/{service_id}", {
        "PUT": services.update_service,
        "DELETE": services.delete_service,
    }),

    (_HYP, {"GET": hypervisors.list_hypervisors}),
    (_HYP + "/detail", {"GET": hypervisors.list_hypervisors_detail}),
    (_HYP + "/statistics", {"GET": hypervisors.hypervisor_statistics}),
    (_HYP + "/{hypervisor_id}", {"GET": hypervisors.show_hypervisor}),
    (_HYP + "/{hypervisor_id}/uptime", {"GET": hypervisors.hypervisor_uptime}),
    # Before 2.53 these take a hostname pattern in place of the id.
    (_HYP + "/{hypervisor_id}/search", {"GET": hypervisors.search_hypervisors}),
    (_HYP + "/{hypervisor_id}/servers", {"GET": hypervisors.hypervisor_servers}),

    (V + "/os-availability-zone", {"GET": availability_zones.list_zones}),
    (V + "/os-availability-zone/detail", {"GET": availability_zones.list_zones_detail}),

    (_AGG, {"GET": aggregates.list_aggregates, "POST": aggregates.create_aggregate}),
    (_AGG + "/{aggregate_id}", {
        "GET": aggregates.show_aggregate,
        "PUT": aggregates.update_aggregate,
        "DELETE": aggregates.delete_aggregate,
    }),
    (_AGG + "/{aggregate_id}/action", {"POST": aggregates.aggregate_action}),
]


def collections() -> frozenset[str]:
    """The first path segments under /v2.1 that name a resource (so that
    ``/v2.1/<anything else>/<collection>`` is a project-scoped URL)."""
    names = set()
    for template, _ in ROUTES:
        parts = template.split("/")
        if len(parts) > 2 and parts[1] == "v2.1" and parts[2] and not parts[2].startswith("{"):
            names.add(parts[2])
    return frozenset(names)
