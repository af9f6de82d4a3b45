"""Every placement policy rule, for the enforcer and the sample generator."""
from nubes.placement.policies import (aggregate, allocation, allocation_candidate, base,
                                      inventory, reshaper, resource_class,
                                      resource_provider, trait, usage)


def list_rules():
    return [*base.RULES, *resource_provider.RULES, *resource_class.RULES,
            *inventory.RULES, *aggregate.RULES, *usage.RULES, *trait.RULES,
            *allocation.RULES, *allocation_candidate.RULES, *reshaper.RULES]
