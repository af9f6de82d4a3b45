"""Flavor extra-spec validation from microversion 2.86.

Keys in the namespaces OpenStack compute knows are checked (an unknown key
in a known namespace, or a bad value, is refused); keys in other
namespaces and keys with no namespace pass, as they are free-form
metadata for filters and operators.  This is deliberately loose: it
covers the namespaces placement requests and the common ``hw:`` keys.

:func:`validate` raises ``ValueError`` with the message the caller sees.
"""
from __future__ import annotations

import re

import os_resource_classes as orc
import os_traits

_SUFFIX = r"(?P<suffix>[a-zA-Z0-9_-]{1,64})?"
_RESOURCES = re.compile(r"^resources" + _SUFFIX + r":(?P<name>.+)$")
_TRAIT = re.compile(r"^trait" + _SUFFIX + r":(?P<name>.+)$")
_CUSTOM = re.compile(r"^CUSTOM_[A-Z0-9_]+$")
_INT = re.compile(r"^[0-9]+$")
_BOOL = {"true", "false", "1", "0", "yes", "no", "on", "off", "t", "f", "y", "n"}
_PAGE_SIZE = re.compile(r"^(small|large|any|[0-9]+([kKmMgG][bB]?|[kKmMgG]i[bB])?)$")


def _int(minimum: int = 0):
    def check(value: str) -> str | None:
        if not _INT.match(value) or int(value) < minimum:
            return f"must be an integer >= {minimum}"
        return None
    return check


def _choice(*options: str):
    def check(value: str) -> str | None:
        return None if value in options else f"must be one of {', '.join(options)}"
    return check


def _bool(value: str) -> str | None:
    return None if value.strip().lower() in _BOOL else "must be a boolean"


def _page_size(value: str) -> str | None:
    return None if _PAGE_SIZE.match(value) else \
        "must be small, large, any or a size (e.g. 2048, 2MB, 1GiB)"


def _any(value: str) -> str | None:
    return None


def _cpu_list(value: str) -> str | None:
    return None if re.match(r"^\^?[0-9]+(-[0-9]+)?(,\^?[0-9]+(-[0-9]+)?)*$", value) else \
        "must be a CPU list such as 0-3,^2"


# hw: keys (fixed names) and their value checks.
_HW = {
    "hw:cpu_policy": _choice("dedicated", "shared", "mixed"),
    "hw:cpu_thread_policy": _choice("prefer", "isolate", "require"),
    "hw:emulator_threads_policy": _choice("isolate", "share"),
    "hw:cpu_sockets": _int(1), "hw:cpu_cores": _int(1), "hw:cpu_threads": _int(1),
    "hw:cpu_max_sockets": _int(1), "hw:cpu_max_cores": _int(1),
    "hw:cpu_max_threads": _int(1),
    "hw:cpu_realtime": _bool, "hw:cpu_realtime_mask": _any, "hw:cpu_dedicated_mask": _any,
    "hw:numa_nodes": _int(1),
    "hw:mem_page_size": _page_size,
    "hw:mem_encryption": _bool,
    "hw:pmem": _any,
    "hw:pmu": _bool,
    "hw:serial_port_count": _int(0),
    "hw:tpm_version": _choice("1.2", "2.0"),
    "hw:tpm_model": _choice("tpm-tis", "tpm-crb"),
    "hw:watchdog_action": _choice("disabled", "pause", "poweroff", "reset", "none"),
    "hw:boot_menu": _bool,
    "hw:vif_multiqueue_enabled": _bool,
    "hw:hide_hypervisor_id": _bool,
    "hw:locked_memory": _bool,
    "hw:virtio_packed_ring": _bool,
    "hw:maxphysaddr_mode": _choice("passthrough", "emulate"),
    "hw:maxphysaddr_bits": _int(1),
    "hw:viommu_model": _choice("intel", "smmuv3", "virtio", "auto"),
    "hw:ephemeral_encryption": _bool,
    "hw:ephemeral_encryption_format": _choice("luks"),
    "hw:vtpm_secret_security": _choice("user", "host", "deployment"),
    "hw:sound_model": _any,
    "hw:usb_model": _any,
    "hw:redirected_usb_ports": _int(0),
}
# hw: keys with a per-NUMA-node index suffix.
_HW_INDEXED = {
    re.compile(r"^hw:numa_cpus\.[0-9]+$"): _cpu_list,
    re.compile(r"^hw:numa_mem\.[0-9]+$"): _int(0),
    re.compile(r"^hw:cpu_realtime_mask$"): _any,
}
_HW_RNG = {"hw_rng:allowed": _bool, "hw_rng:rate_bytes": _int(0),
           "hw_rng:rate_period": _int(0)}
_HW_VIDEO = {"hw_video:ram_max_mb": _int(0)}
_QUOTA = re.compile(r"^quota:(cpu_(shares|period|quota|limit|reservation)|"
                    r"(disk|vif)_\w+|memory_\w+)$")
_OS = {"os:secure_boot": _choice("required", "disabled", "optional"),
       "os:monitors": _any}


def _standard_or_custom_rc(name: str) -> bool:
    return name in orc.STANDARDS or bool(_CUSTOM.match(name))


def _standard_or_custom_trait(name: str) -> bool:
    return bool(_CUSTOM.match(name)) or os_traits.is_custom(name) or \
        name in _STANDARD_TRAITS


_STANDARD_TRAITS = frozenset(os_traits.get_traits())


def _problem(key: str, value: str) -> str | None:
    match = _RESOURCES.match(key)
    if match:
        if not _standard_or_custom_rc(match["name"]):
            return f"'{match['name']}' is not a standard or CUSTOM_ resource class"
        return _int(0)(value)
    match = _TRAIT.match(key)
    if match:
        if not _standard_or_custom_trait(match["name"]):
            return f"'{match['name']}' is not a standard or CUSTOM_ trait"
        return _choice("required", "forbidden")(value)
    if key == "group_policy":
        return _choice("none", "isolate")(value)
    if key.startswith("hw:"):
        check = _HW.get(key) or next((c for p, c in _HW_INDEXED.items() if p.match(key)), None)
        return "is not a known hw: extra spec" if check is None else check(value)
    for table, prefix in ((_HW_RNG, "hw_rng:"), (_HW_VIDEO, "hw_video:"), (_OS, "os:")):
        if key.startswith(prefix):
            check = table.get(key)
            return f"is not a known {prefix} extra spec" if check is None else check(value)
    if key.startswith("quota:"):
        return None if _QUOTA.match(key) else "is not a known quota: extra spec"
    return None


def validate(key: str, value: str) -> None:
    problem = _problem(key, value)
    if problem:
        raise ValueError(f"Validation failed; extra spec {key}={value!r}: {problem}.")
