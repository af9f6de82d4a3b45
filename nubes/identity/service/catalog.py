"""The service catalog: one entry per nubes service with a configured URL.

Block storage appears twice, as ``block-storage`` (``cinder``) and as
``volumev3`` (``cinderv3``): clients look it up under either type.  Its URL
may name the project as ``%(project_id)s`` or ``$(project_id)s`` (Keystone's
spelling; ``tenant_id`` too), replaced by the token's project.
"""
from __future__ import annotations

from nubes.identity.users_file import derived_id

# (option in [identity], service type, service name)
SERVICES = (
    ("compute_endpoint", "compute", "nova"),
    ("placement_endpoint", "placement", "placement"),
    ("volume_endpoint", "block-storage", "cinder"),
    ("volume_endpoint", "volumev3", "cinderv3"),
    ("image_endpoint", "image", "glance"),
)


def _substitute(url: str, project_id: str) -> str:
    for name in ("project_id", "tenant_id"):
        url = url.replace(f"%({name})s", project_id).replace(f"$({name})s", project_id)
    return url


def _entry(service_type: str, name: str, url: str, region: str) -> dict:
    return {
        "id": derived_id("service", service_type),
        "type": service_type,
        "name": name,
        "endpoints": [{
            "id": derived_id("endpoint", f"{service_type} {url}"),
            "interface": "public",
            "region": region,
            "region_id": region,
            "url": url,
        }],
    }


def build(conf, *, identity_url: str, project_id: str) -> list[dict]:
    """The catalog a token scoped to ``project_id`` carries."""
    region = conf.identity.region_name
    catalog = []
    for option, service_type, name in SERVICES:
        template = getattr(conf.identity, option)
        if template:
            catalog.append(_entry(service_type, name,
                                  _substitute(template.rstrip("/"), project_id), region))
    catalog.append(_entry("identity", "keystone", identity_url, region))
    return catalog
