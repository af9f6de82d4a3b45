"""Every compute policy rule, for the enforcer and the sample generator."""
from nubes.api.compute.policies import aggregates, availability_zones, base, hypervisors, services
from nubes.api.compute.policies import flavors, key_pairs, limits, server_groups
from nubes.api.compute.policies import instance_actions, server_actions, servers
from nubes.api.compute.policies import server_ips, server_metadata, server_password, server_tags
from nubes.api.compute.policies import quota_sets, volume_attachments
from nubes.api.compute.policies import (extensions, hosts, instance_usage_audit_log, migrations,
                                        simple_tenant_usage)


def list_rules():
    return [*base.RULES, *services.RULES, *hypervisors.RULES, *availability_zones.RULES,
            *aggregates.RULES, *flavors.RULES, *server_groups.RULES,
            *limits.RULES, *key_pairs.RULES, *servers.RULES,
            *instance_actions.RULES, *server_actions.RULES,
            *server_metadata.RULES, *server_tags.RULES, *server_ips.RULES,
            *server_password.RULES, *quota_sets.RULES,
            *simple_tenant_usage.RULES, *instance_usage_audit_log.RULES, *hosts.RULES,
            *extensions.RULES, *migrations.RULES, *volume_attachments.RULES]
