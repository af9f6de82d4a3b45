"""Policy rule for the extensions list (anyone; OpenStack compute's name)."""
from nubes.api.compute.policies import base

EXTENSIONS = "os_compute_api:extensions"

RULES = [
    base.operations(EXTENSIONS, [("GET", "/extensions"), ("GET", "/extensions/{alias}")],
                    "List the extensions and show one.", check=base.ANY),
]
