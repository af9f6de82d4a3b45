"""The extensions nubes serves, as ``GET /extensions`` lists them.

Extensions are a v2.0 notion; v2.1 lists them for old clients with one
namespace and date for all.  Only what nubes actually serves is listed.
"""
from __future__ import annotations

_NAMESPACE = "http://docs.openstack.org/compute/ext/fake_xml"
_UPDATED = "2014-12-03T00:00:00Z"

# (alias, name, description), by alias.
_SERVED = [
    ("OS-EXT-AZ", "ExtendedAvailabilityZone", "Availability zone of servers."),
    ("OS-EXT-IMG-SIZE", "ImageSize", "Image size in image bodies."),
    ("OS-EXT-SRV-ATTR", "ExtendedServerAttributes", "Host attributes of servers."),
    ("OS-EXT-STS", "ExtendedStatus", "VM, task and power states of servers."),
    ("OS-FLV-DISABLED", "FlavorDisabled", "Disabled status of flavors."),
    ("OS-FLV-EXT-DATA", "FlavorExtraData", "Ephemeral disk size of flavors."),
    ("OS-SCH-HNT", "SchedulerHints", "Scheduler hints on server create."),
    ("OS-SRV-USG", "ServerUsage", "Launch and termination times of servers."),
    ("flavors", "Flavors", "Flavors."),
    ("images", "Images", "Images (a proxy to the image API)."),
    ("os-aggregates", "Aggregates", "Host aggregates (admin)."),
    ("os-availability-zone", "AvailabilityZone", "Availability zones."),
    ("os-extended-hypervisors", "ExtendedHypervisors", "Hypervisor details."),
    ("os-extended-services", "ExtendedServices", "Disabled reason of services."),
    ("os-extended-services-delete", "ExtendedServicesDelete", "Service deletion."),
    ("os-flavor-access", "FlavorAccess", "Access to private flavors."),
    ("os-flavor-extra-specs", "FlavorExtraSpecs", "Flavor extra specs."),
    ("os-flavor-manage", "FlavorManage", "Flavor creation and deletion (admin)."),
    ("os-hosts", "Hosts", "Hosts (admin)."),
    ("os-hypervisors", "Hypervisors", "Hypervisors (admin)."),
    ("os-instance-actions", "InstanceActions", "Actions taken on servers."),
    ("os-instance-usage-audit-log", "OSInstanceUsageAuditLog",
     "Instance usage audit log (admin)."),
    ("os-keypairs", "Keypairs", "Key pairs."),
    ("os-migrations", "Migrations", "Migrations (admin)."),
    ("os-server-groups", "ServerGroups", "Server groups."),
    ("os-services", "Services", "Compute services (admin)."),
    ("os-simple-tenant-usage", "SimpleTenantUsage", "Usage of projects."),
    ("os-used-limits", "UsedLimits", "Used limits of projects."),
    ("servers", "Servers", "Servers."),
]


def _extension(alias: str, name: str, description: str) -> dict:
    return {"alias": alias, "name": name, "description": description, "links": [],
            "namespace": _NAMESPACE, "updated": _UPDATED}


def all_extensions() -> list[dict]:
    return [_extension(*entry) for entry in _SERVED]


def extension(alias: str) -> dict | None:
    return next((_extension(*e) for e in _SERVED if e[0] == alias), None)
