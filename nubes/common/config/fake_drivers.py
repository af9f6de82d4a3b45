"""``[fake_driver]`` and ``[fake_baremetal]``: the simulated virt drivers.

Read by ``nubes-compute`` (and the embedded cloud's compute hosts) when
``compute_driver`` is ``fake`` (:mod:`nubes.compute.virt.fake`: host sizes,
capability traits, injected failures) or ``fake_baremetal``
(:mod:`nubes.compute.virt.fake_baremetal`, whose nodes also take their
sizes and injected failures from ``[fake_driver]``).
"""
from __future__ import annotations

from oslo_config import cfg

# [fake_driver]: the simulated hypervisor (nubes.compute.virt.fake).
FAKE_DRIVER_OPTS = [
    cfg.IntOpt("vcpus", default=16, min=0, help="VCPUs of each fake host."),
    cfg.IntOpt("memory_mb", default=32768, min=0, help="Memory of each fake host."),
    cfg.IntOpt("local_gb", default=500, min=0, help="Local disk of each fake host."),
    cfg.MultiStrOpt("host_size", default=[],
                    help="Per-host sizes, repeatable: 'HOST vcpus=N memory_mb=M "
                         "local_gb=G' (HOST may be a glob like cell1-*; the "
                         "last matching line wins; unnamed sizes keep the "
                         "defaults above)."),
    cfg.ListOpt("capabilities",
                default=["COMPUTE_NET_ATTACH_INTERFACE", "COMPUTE_VOLUME_ATTACH_WITH_TAG",
                         "COMPUTE_VOLUME_EXTEND", "COMPUTE_VOLUME_MULTI_ATTACH",
                         "COMPUTE_DEVICE_TAGGING", "COMPUTE_TRUSTED_CERTS",
                         "COMPUTE_IMAGE_TYPE_RAW", "COMPUTE_IMAGE_TYPE_QCOW2"],
                help="COMPUTE_* capability traits the fake hosts report."),
    cfg.FloatOpt("live_migration_seconds", default=0.5, min=0.0, max=3600.0,
                 help="How long a fake live migration takes to copy the guest's "
                      "memory (progress is reported as it goes; force_complete "
                      "ends it at once, abort cancels it)."),
    cfg.ListOpt("fail", default=[],
                help="Injected failures: OPERATION or OPERATION@HOST-GLOB "
                     "(operations: init_host, node_resources, spawn, destroy, "
                     "reboot, power_off, power_on); the operation "
                     "raises on the matching hosts."),
]

# [fake_baremetal]: the simulated bare-metal driver.
FAKE_BAREMETAL_OPTS = [
    cfg.IntOpt("nodes_per_host", default=2, min=0,
               help="Bare-metal nodes each compute host manages."),
    cfg.StrOpt("resource_class", default="baremetal",
               help="The nodes' resource class, normalised as nova does "
                    "(baremetal-gold -> CUSTOM_BAREMETAL_GOLD)."),
    cfg.ListOpt("node_traits", default=[],
                help="Extra CUSTOM_* traits of every node."),
]
