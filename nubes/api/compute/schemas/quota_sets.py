"""Request bodies of /os-quota-sets and /os-quota-class-sets, and the
resources each microversion shows.

A limit is -1 (unlimited) or 0 to the database's integer maximum, as a
JSON integer or a string of digits (as OpenStack compute accepts).  The
network quotas are accepted (and ignored: there is no nova-network)
below 2.36 for quota sets, below 2.50 for quota classes; the injected
file quotas below 2.57.
"""
from nubes.api.compute.schemas import common

MAX_LIMIT = 2**31 - 1
LIMIT = {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$", "maxLength": 11,
         "minimum": -1, "maximum": MAX_LIMIT}

BASE = ("cores", "instances", "key_pairs", "metadata_items", "ram")
GROUPS = ("server_groups", "server_group_members")
INJECTED = ("injected_file_content_bytes", "injected_file_path_bytes", "injected_files")
# Shown (always -1) and accepted (ignored) in old microversions only.
NETWORK = ("fixed_ips", "floating_ips", "security_group_rules", "security_groups")


def quota_set_fields(version) -> tuple[str, ...]:
    """The resources a quota set shows at ``version``."""
    fields = BASE + GROUPS
    if version < (2, 57):
        fields += INJECTED
    if version < (2, 36):
        fields += NETWORK
    return fields


def quota_class_fields(version) -> tuple[str, ...]:
    """The resources a quota class set shows at ``version`` (server groups
    from 2.50, which drops the network quotas)."""
    fields = BASE + (GROUPS if version >= (2, 50) else NETWORK)
    return fields + INJECTED if version < (2, 57) else fields


def _body(key: str, fields: tuple[str, ...], extra: dict) -> dict:
    return {
        "type": "object",
        "properties": {key: {
            "type": "object",
            "properties": {**{name: LIMIT for name in fields}, **extra},
            "additionalProperties": False,
        }},
        "required": [key],
        "additionalProperties": False,
    }


def update_quota_set(version) -> dict:
    fields = BASE + GROUPS
    if version < (2, 57):
        fields += INJECTED
    if version < (2, 36):
        fields += NETWORK + ("networks",)
    return _body("quota_set", fields, {"force": common.BOOLEAN})


def update_quota_class(version) -> dict:
    fields = BASE + GROUPS
    if version < (2, 57):
        fields += INJECTED
    if version < (2, 50):
        fields += NETWORK + ("networks",)
    return _body("quota_class_set", fields, {})


# Path and query values: ids as OpenStack's projects, users and classes have.
ID_LENGTH = 255
