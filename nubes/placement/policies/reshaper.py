"""Policy rule for POST /reshaper (services only)."""
from nubes.placement.policies import base

RESHAPE = "placement:reshaper:reshape"

RULES = [
    base.operation(RESHAPE, "POST", "/reshaper", "Reshape Inventory and Allocations.",
                   check=base.SERVICE),
]
