"""Policy rules for placement:allocation_candidates."""
from nubes.placement.policies import base

LIST = "placement:allocation_candidates:list"

RULES = [
    base.operation(LIST, "GET", "/allocation_candidates", "List allocation candidates."),
]
