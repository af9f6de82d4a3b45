"""Query parameters of GET /servers and /servers/detail (and, later, the
bodies of create, update and the server actions).

Which filters a caller may use depends on the microversion and on whether
the caller may use every filter (admin); filters a caller may not use are
ignored, as are unknown ones.  Values that cannot mean anything (a bad
timestamp, a sort key that does not exist) are a 400.
"""
from __future__ import annotations

import datetime
import re

from nubes.common.wsgi import errors

# --- sorting -------------------------------------------------------------------------

# Instance columns a list may sort by.
SORT_KEYS = frozenset({
    "access_ip_v4", "access_ip_v6", "auto_disk_config", "availability_zone",
    "config_drive", "created_at", "display_description", "display_name", "host",
    "hostname", "image_ref", "kernel_id", "key_name", "launch_index", "launched_at",
    "locked_by", "node", "power_state", "progress", "project_id", "ramdisk_id",
    "root_device_name", "task_state", "terminated_at", "updated_at", "user_id", "uuid",
    "vm_state",
})
# Accepted and silently dropped (internal, or not sortable across cells).
IGNORED_SORT_KEYS = frozenset({
    "architecture", "cell_name", "cleaned", "default_ephemeral_device",
    "default_swap_device", "deleted", "deleted_at", "disable_terminate", "ephemeral_gb",
    "ephemeral_key_uuid", "id", "info_cache", "instance_type_id", "key_data",
    "launched_on", "memory_mb", "os_type", "reservation_id", "root_gb",
    "shutdown_terminate", "user_data", "vcpus", "vm_mode",
})
# Sort keys only callers with every filter may use (others: dropped).
ADMIN_SORT_KEYS = frozenset({"host", "node"})
LOCKED_SORT_MIN = (2, 73)
SORT_DIRS = frozenset({"asc", "desc"})


def sort_keys(values: list[str], version, admin: bool) -> list[str]:
    keys = []
    for key in values:
        if key == "locked" and version >= LOCKED_SORT_MIN:
            keys.append(key)
        elif key in IGNORED_SORT_KEYS or key == "locked":
            continue
        elif key not in SORT_KEYS:
            raise errors.BadRequest(f"Invalid input for query parameters sort_key. "
                                    f"Value: {key}. '{key}' is not one of the valid "
                                    "sort keys.")
        elif key in ADMIN_SORT_KEYS and not admin:
            continue
        else:
            keys.append(key)
    return keys


def sort_dirs(values: list[str]) -> list[str]:
    for value in values:
        if value.lower() not in SORT_DIRS:
            raise errors.BadRequest(f"Invalid input for query parameters sort_dir. "
                                    f"Value: {value}. '{value}' is not one of "
                                    "['asc', 'desc']")
    return [v.lower() for v in values]


# --- filters -------------------------------------------------------------------------

# query parameter -> minimum microversion, for every caller.
FILTERS = {
    "name": (2, 1), "status": (2, 1), "image": (2, 1), "flavor": (2, 1),
    "reservation_id": (2, 1), "changes-since": (2, 1), "ip": (2, 1), "ip6": (2, 5),
    "all_tenants": (2, 1), "uuid": (2, 1),
    "tags": (2, 26), "tags-any": (2, 26), "not-tags": (2, 26), "not-tags-any": (2, 26),
    "changes-before": (2, 66), "locked": (2, 73),
    "availability_zone": (2, 83), "key_name": (2, 83), "task_state": (2, 83),
    "vm_state": (2, 83), "user_id": (2, 83),
    # Not implemented yet (ignored like unknown filters): config_drive,
    # created_at, launched_at, terminated_at, power_state, progress (2.83);
    # ip/ip6 are accepted and ignored (no networking).
}
# Only for callers allowed every filter (admins by default).
ADMIN_FILTERS = {
    "host": (2, 1), "node": (2, 1), "project_id": (2, 1), "tenant_id": (2, 1),
    "deleted": (2, 1), "soft_deleted": (2, 1), "user_id": (2, 1),
    "availability_zone": (2, 1), "key_name": (2, 1), "vm_state": (2, 1),
    "task_state": (2, 1),
}
# Parameters of paging and sorting (not filters).
PAGING = frozenset({"limit", "marker", "sort_key", "sort_dir"})
# Filters that are not narrowing (the down-cell minimal-record rule).
SCOPE_ONLY = frozenset({"all_tenants"})


def allowed_filters(version, admin: bool) -> frozenset[str]:
    names = {n for n, v in FILTERS.items() if version >= v}
    if admin:
        names |= {n for n, v in ADMIN_FILTERS.items() if version >= v}
    return frozenset(names)


def timestamp(value: str, name: str) -> datetime.datetime:
    """ISO 8601 as naive UTC; 400 otherwise."""
    text = value.strip()
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise errors.BadRequest(f"Invalid input for query parameters {name}. Value: "
                                f"{value}. '{value}' is not a 'date-time'") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return parsed


def regex(value: str, name: str) -> str:
    try:
        re.compile(value)
    except re.error as err:
        raise errors.BadRequest(f"Invalid input for query parameters {name}. Value: "
                                f"{value}. Invalid regular expression: {err}") from None
    return value


def tag_list(value: str, name: str) -> tuple[str, ...]:
    tags = tuple(t for t in (p.strip() for p in value.split(",")) if t)
    for tag in tags:
        if len(tag) > 60 or "/" in tag:
            raise errors.BadRequest(f"Invalid input for query parameters {name}. Value: "
                                    f"{value}. Tags are at most 60 characters, no '/'.")
    return tags
