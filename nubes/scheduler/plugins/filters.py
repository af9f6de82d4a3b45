"""Host filters: each says whether one host can take the request."""
from __future__ import annotations

import logging
import operator
import re

from nubes.scheduler.host_state import HostState
from nubes.scheduler.messages import AFFINITY, ANTI_AFFINITY, RequestSpec
from nubes.scheduler.plugins.base import CycleState, Unconfigured

LOG = logging.getLogger("nubes.scheduler.plugins")

# CycleState key: hosts the server group's members are on, this request's
# earlier instances included (one entry per member).
GROUP_HOSTS = "server_group_hosts"


def group_hosts(cycle: CycleState, spec: RequestSpec) -> list[str]:
    hosts = cycle.get(GROUP_HOSTS)
    if hosts is None:
        hosts = list(spec.server_group.hosts) if spec.server_group else []
        cycle.set(GROUP_HOSTS, hosts)
    return hosts


class ComputeUpFilter(Unconfigured):
    """The host's compute service is up and enabled."""

    name = "compute_up"

    def host_passes(self, cycle: CycleState, host: HostState, spec: RequestSpec) -> bool:
        if host.service_disabled:
            LOG.debug("%s: compute service is disabled", host.label)
            return False
        if not host.service_up:
            LOG.debug("%s: compute service is down", host.label)
            return False
        return True


class AvailabilityZoneFilter(Unconfigured):
    """The host is in the requested availability zone."""

    name = "availability_zone"

    def host_passes(self, cycle: CycleState, host: HostState, spec: RequestSpec) -> bool:
        return not spec.availability_zone or host.availability_zone == spec.availability_zone


_VERSION_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "=": operator.eq,
                ">": operator.gt, "<": operator.lt, "!=": operator.ne}
_VERSION_RE = re.compile(r"^\s*(>=|<=|==|!=|=|>|<)?\s*([0-9][0-9.]*)\s*$")


def _version_number(text: str) -> int:
    """'2.11.0' -> 2011000 (nova's encoding: 1000 per level), '1000' -> 1000."""
    parts = [int(p) for p in text.split(".") if p]
    if len(parts) == 1:
        return parts[0]
    number = 0
    for part in (parts + [0, 0, 0])[:3]:
        number = number * 1000 + part
    return number


class ImagePropertiesFilter(Unconfigured):
    """The host matches the image's architecture, hypervisor type and
    requested hypervisor version (``hw_architecture``/``architecture``,
    ``img_hv_type``/``hypervisor_type``, ``img_hv_requested_version``).

    A host that does not report one of these is not rejected on it (the
    fake hosts report no architecture)."""

    name = "image_properties"

    def host_passes(self, cycle: CycleState, host: HostState, spec: RequestSpec) -> bool:
        props = spec.image_properties or {}
        arch = props.get("hw_architecture") or props.get("architecture")
        host_arch = host.cpu_info.get("arch")
        if arch and host_arch and str(arch).lower() != str(host_arch).lower():
            LOG.debug("%s: architecture %s, image wants %s", host.label, host_arch, arch)
            return False
        hv_type = props.get("img_hv_type") or props.get("hypervisor_type")
        if hv_type and host.hypervisor_type and \
                str(hv_type).lower() != host.hypervisor_type.lower():
            LOG.debug("%s: hypervisor %s, image wants %s", host.label,
                      host.hypervisor_type, hv_type)
            return False
        wanted = props.get("img_hv_requested_version")
        if wanted and host.hypervisor_version is not None:
            match = _VERSION_RE.match(str(wanted))
            if match is None:
                LOG.debug("%s: unreadable img_hv_requested_version %r", host.label, wanted)
                return False
            op = _VERSION_OPS[match.group(1) or ">="]
            if not op(int(host.hypervisor_version), _version_number(match.group(2))):
                LOG.debug("%s: hypervisor version %s, image wants %s", host.label,
                          host.hypervisor_version, wanted)
                return False
        return True


class ServerGroupAffinityFilter(Unconfigured):
    """Affinity: once a member has a host, every member goes there."""

    name = "server_group_affinity"

    def host_passes(self, cycle: CycleState, host: HostState, spec: RequestSpec) -> bool:
        group = spec.server_group
        if group is None or group.policy != AFFINITY:
            return True
        hosts = group_hosts(cycle, spec)
        return not hosts or host.host in hosts


class ServerGroupAntiAffinityFilter(Unconfigured):
    """Anti-affinity: at most ``max_server_per_host`` members (default 1)
    on any host."""

    name = "server_group_anti_affinity"

    def host_passes(self, cycle: CycleState, host: HostState, spec: RequestSpec) -> bool:
        group = spec.server_group
        if group is None or group.policy != ANTI_AFFINITY:
            return True
        limit = int((group.rules or {}).get("max_server_per_host") or 1)
        return group_hosts(cycle, spec).count(host.host) < limit
