"""Every compute policy rule, for the enforcer and the sample generator."""
from nubes.api.compute.policies import aggregates, availability_zones, base, hypervisors, services


def list_rules():
    return [*base.RULES, *services.RULES, *hypervisors.RULES, *availability_zones.RULES,
            *aggregates.RULES]
