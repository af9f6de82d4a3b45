"""Policy rules for /limits."""
from nubes.api.compute.policies import base

LIMITS = "os_compute_api:limits"
OTHER_PROJECT = "os_compute_api:limits:other_project"

RULES = [
    base.operation(LIMITS, "GET", "/limits", "Show rate and absolute limits of the project.",
                   check=base.ANY),
    base.operation(OTHER_PROJECT, "GET", "/limits?tenant_id",
                   "Show the limits of another project."),
]
