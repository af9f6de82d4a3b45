"""The compute agent (``nubes-compute``) and its resource tracker:
``[DEFAULT]`` host, intervals, driver, allocation ratios and reserved
resources, and ``[compute]``; nova's names.

Read by ``nubes-compute`` (:mod:`nubes.compute`: its agents, virt driver
choice and resource tracker, which reports ``my_ip`` as its nodes'
``host_ip``) and the embedded cloud's fake hosts.
``host`` and ``report_interval`` are also read by ``nubes-scheduler`` and
``nubes-conductor`` for their service records and RPC server names.
"""
from __future__ import annotations

import socket

from oslo_config import cfg


def host_ipv4() -> str:
    """This machine's IPv4 address on its default route (a UDP socket is
    connected, which sends nothing); 127.0.0.1 when there is no route."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.1", 9))
            return sock.getsockname()[0]
    except OSError:
        return "127.0.0.1"


# The compute agent (nubes-compute) and its resource tracker; nova's names.
COMPUTE_AGENT_OPTS = [
    cfg.StrOpt("host", default=socket.gethostname(), sample_default="<hostname>",
               help="Name of this service's host: its service record, its RPC "
                    "server name and its host mapping.  nubes-compute --host "
                    "or --hosts overrides it."),
    cfg.HostAddressOpt("my_ip", default=host_ipv4(), sample_default="<host_ipv4>",
                       help="IP address of this host: its compute nodes' host_ip "
                            "(os-hypervisors).  Default: the address of the "
                            "default route's interface, else 127.0.0.1."),
    cfg.FloatOpt("report_interval", default=10.0, min=0.05,
                 help="Seconds between two liveness reports of a service."),
    cfg.FloatOpt("update_resources_interval", default=60.0, min=0.05,
                 help="Seconds between two syncs of a compute host's resources "
                      "to placement and its compute node records."),
    cfg.FloatOpt("sync_power_state_interval", default=600.0, max=365 * 86400.0,
                 help="Seconds between two syncs of the power states of a compute "
                      "host's instances from its driver to the cell database (a "
                      "guest that stopped on its own becomes SHUTOFF); 0 or "
                      "negative: never."),
    cfg.StrOpt("compute_driver", default="fake",
               choices=["fake", "fake_baremetal", "libvirt"],
               help="Virt driver: fake (a simulated hypervisor, one node per "
                    "host), fake_baremetal (nodes of one custom resource "
                    "class) or libvirt (real QEMU guests, see [libvirt])."),
    cfg.FloatOpt("cpu_allocation_ratio", min=0.0,
                 help="VCPU allocation ratio set on this host's provider; unset "
                      "keeps whatever placement holds (initial_cpu_allocation_"
                      "ratio for a new provider)."),
    cfg.FloatOpt("ram_allocation_ratio", min=0.0,
                 help="MEMORY_MB allocation ratio (see cpu_allocation_ratio)."),
    cfg.FloatOpt("disk_allocation_ratio", min=0.0,
                 help="DISK_GB allocation ratio (see cpu_allocation_ratio)."),
    cfg.FloatOpt("initial_cpu_allocation_ratio", default=4.0, min=0.0,
                 help="VCPU allocation ratio of a new provider when "
                      "cpu_allocation_ratio is unset."),
    cfg.FloatOpt("initial_ram_allocation_ratio", default=1.0, min=0.0,
                 help="MEMORY_MB allocation ratio of a new provider."),
    cfg.FloatOpt("initial_disk_allocation_ratio", default=1.0, min=0.0,
                 help="DISK_GB allocation ratio of a new provider."),
    cfg.IntOpt("reserved_host_memory_mb", default=512, min=0,
               help="MEMORY_MB reserved for the host (reported as reserved)."),
    cfg.IntOpt("reserved_host_disk_mb", default=0, min=0,
               help="Disk reserved for the host, in MB (DISK_GB reserved is "
                    "this rounded up to GB)."),
    cfg.IntOpt("reserved_host_cpus", default=0, min=0,
               help="VCPUs reserved for the host."),
]

COMPUTE_GROUP_OPTS = [
    cfg.IntOpt("resource_provider_association_refresh", default=300, min=0,
               help="Seconds after which a compute host re-reads its providers' "
                    "inventories, traits and aggregates from placement (0: "
                    "only at start and after a conflict)."),
    cfg.MultiStrOpt("shared_storage_aggregate", default=[],
                    help="The placement aggregate (its uuid) of the shared storage "
                         "pool that holds this host's disks: a provider with DISK_GB "
                         "inventory and the trait MISC_SHARES_VIA_AGGREGATE in that "
                         "aggregate.  When set, the host reports no DISK_GB of its "
                         "own (a DISK_GB inventory with allocations stays until they "
                         "are gone) and its compute node provider joins the "
                         "aggregate, so servers take their disk from the pool and a "
                         "move between hosts of the pool moves only VCPU and "
                         "MEMORY_MB.  A process running many hosts (nubes-compute "
                         "--hosts, the embedded cloud) may give one line per host "
                         "group instead: 'HOST-GLOB=UUID', repeatable, the last "
                         "matching line wins.  See docs/compute/shared_storage.md."),
]
