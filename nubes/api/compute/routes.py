"""The compute URL table: path -> {method: handler}.

Everything is under ``/v2.1``; ``/v2.1/{project_id}/...`` and the legacy
``/v2/{project_id}/...`` reach the same handlers (see
``middleware.ProjectPathMiddleware``).  Methods a path does not list get a
405; handlers outside their microversion window answer 404.
"""
from __future__ import annotations

from nubes.api.compute.handlers import (aggregates, availability_zones, hypervisors, services,
                                        versions)
from nubes.api.compute.handlers import (flavor_access, flavor_extra_specs, flavors, key_pairs,
                                        limits, server_groups)
from nubes.api.compute.handlers import instance_actions, server_actions, server_diagnostics, servers
from nubes.api.compute.handlers import server_ips, server_metadata, server_password, server_tags
from nubes.api.compute.handlers import quota_classes, quota_sets
from nubes.api.compute.handlers import volume_attachments
from nubes.api.compute.handlers import (extensions, hosts, image_metadata, images, migrations,
                                        simple_tenant_usage, usage_audit_log)

V = "/v2.1"
_HYP = V + "/os-hypervisors"
_AGG = V + "/os-aggregates"
_SRV = V + "/servers/{server_id}"

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

    (V + "/flavors", {"GET": flavors.list_flavors, "POST": flavors.create_flavor}),
    (V + "/flavors/detail", {"GET": flavors.list_flavors_detail}),
    (V + "/flavors/{flavor_id}", {
        "GET": flavors.show_flavor,
        "PUT": flavors.update_flavor,
        "DELETE": flavors.delete_flavor,
    }),
    (V + "/flavors/{flavor_id}/action", {"POST": flavor_access.flavor_action}),
    (V + "/flavors/{flavor_id}/os-flavor-access", {"GET": flavor_access.list_access}),
    (V + "/flavors/{flavor_id}/os-extra_specs", {
        "GET": flavor_extra_specs.list_specs,
        "POST": flavor_extra_specs.create_specs,
    }),
    (V + "/flavors/{flavor_id}/os-extra_specs/{key}", {
        "GET": flavor_extra_specs.show_spec,
        "PUT": flavor_extra_specs.update_spec,
        "DELETE": flavor_extra_specs.delete_spec,
    }),

    (V + "/os-server-groups", {"GET": server_groups.list_server_groups,
                               "POST": server_groups.create_server_group}),
    (V + "/os-server-groups/{group_id}", {
        "GET": server_groups.show_server_group,
        "DELETE": server_groups.delete_server_group,
    }),

    (V + "/limits", {"GET": limits.show_limits}),

    (V + "/os-keypairs", {"GET": key_pairs.list_keypairs, "POST": key_pairs.create_keypair}),
    (V + "/os-keypairs/{name}", {
        "GET": key_pairs.show_keypair,
        "DELETE": key_pairs.delete_keypair,
    }),
    # Servers.
    (V + "/servers", {"GET": servers.list_servers, "POST": servers.create_server}),
    (V + "/servers/detail", {"GET": servers.list_servers_detail}),
    (V + "/servers/{server_id}", {"GET": servers.show_server,
                                  "PUT": servers.update_server,
                                  "DELETE": servers.delete_server}),
    (V + "/servers/{server_id}/action", {"POST": server_actions.server_action}),
    (V + "/servers/{server_id}/diagnostics", {"GET": server_diagnostics.show_diagnostics}),
    (V + "/servers/{server_id}/os-instance-actions", {
        "GET": instance_actions.list_actions}),
    (V + "/servers/{server_id}/os-instance-actions/{request_id}", {
        "GET": instance_actions.show_action}),

    # Server sub-resources: metadata, tags (2.26+), addresses, password.
    (_SRV + "/metadata", {"GET": server_metadata.list_metadata,
                          "POST": server_metadata.merge_metadata,
                          "PUT": server_metadata.replace_metadata}),
    (_SRV + "/metadata/{key}", {"GET": server_metadata.show_item,
                                "PUT": server_metadata.set_item,
                                "DELETE": server_metadata.delete_item}),
    (_SRV + "/tags", {"GET": server_tags.list_tags, "PUT": server_tags.replace_tags,
                      "DELETE": server_tags.delete_tags}),
    (_SRV + "/tags/{tag}", {"GET": server_tags.show_tag, "PUT": server_tags.add_tag,
                            "DELETE": server_tags.delete_tag}),
    (_SRV + "/ips", {"GET": server_ips.list_ips}),
    (_SRV + "/ips/{network_label}", {"GET": server_ips.show_ips}),
    (_SRV + "/os-server-password", {"GET": server_password.show_password,
                                    "DELETE": server_password.clear_password}),
    # Quota sets and quota classes.
    (V + "/os-quota-sets/{tenant_id}", {
        "GET": quota_sets.show_quota_set,
        "PUT": quota_sets.update_quota_set,
        "DELETE": quota_sets.delete_quota_set,
    }),
    (V + "/os-quota-sets/{tenant_id}/detail", {"GET": quota_sets.show_quota_set_detail}),
    (V + "/os-quota-sets/{tenant_id}/defaults", {"GET": quota_sets.show_quota_defaults}),
    (V + "/os-quota-class-sets/{class_id}", {
        "GET": quota_classes.show_quota_class,
        "PUT": quota_classes.update_quota_class,
    }),
    # Usage, hosts, extensions, the images proxy and migrations.
    (V + "/os-simple-tenant-usage", {"GET": simple_tenant_usage.list_usage}),
    (V + "/os-simple-tenant-usage/{tenant_id}", {"GET": simple_tenant_usage.show_usage}),
    (V + "/os-instance_usage_audit_log", {"GET": usage_audit_log.list_audit_logs}),
    (V + "/os-instance_usage_audit_log/{before_timestamp}", {
        "GET": usage_audit_log.show_audit_log}),
    (V + "/os-hosts", {"GET": hosts.list_hosts}),
    (V + "/os-hosts/{host_name}", {"GET": hosts.show_host, "PUT": hosts.update_host}),
    (V + "/os-hosts/{host_name}/reboot", {"GET": hosts.reboot_host}),
    (V + "/os-hosts/{host_name}/shutdown", {"GET": hosts.shutdown_host}),
    (V + "/os-hosts/{host_name}/startup", {"GET": hosts.startup_host}),
    (V + "/extensions", {"GET": extensions.list_extensions}),
    (V + "/extensions/{alias}", {"GET": extensions.show_extension}),
    (V + "/images", {"GET": images.list_images}),
    (V + "/images/detail", {"GET": images.list_images_detail}),
    (V + "/images/{image_id}", {"GET": images.show_image, "DELETE": images.delete_image}),
    (V + "/images/{image_id}/metadata", {
        "GET": image_metadata.list_metadata,
        "POST": image_metadata.create_metadata,
        "PUT": image_metadata.replace_metadata,
    }),
    (V + "/images/{image_id}/metadata/{key}", {
        "GET": image_metadata.show_metadata_item,
        "PUT": image_metadata.update_metadata_item,
        "DELETE": image_metadata.delete_metadata_item,
    }),
    (V + "/os-migrations", {"GET": migrations.list_migrations}),
    (V + "/servers/{server_id}/migrations", {"GET": migrations.list_server_migrations}),
    (V + "/servers/{server_id}/migrations/{migration_id}", {
        "GET": migrations.show_server_migration,
        "DELETE": migrations.delete_server_migration}),
    (V + "/servers/{server_id}/migrations/{migration_id}/action", {
        "POST": migrations.server_migration_action}),
    # Volume attachments (the volume service's new attach flow).
    (_SRV + "/os-volume_attachments", {"GET": volume_attachments.list_attachments,
                                       "POST": volume_attachments.attach_volume}),
    (_SRV + "/os-volume_attachments/{volume_id}", {
        "GET": volume_attachments.show_attachment,
        "PUT": volume_attachments.update_attachment,
        "DELETE": volume_attachments.detach_volume}),
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
