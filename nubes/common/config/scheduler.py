"""``[scheduler]``: the scheduler (:mod:`nubes.scheduler`); plugin names are
nubes's, nova's filter class names are accepted as aliases.

Read by ``nubes-scheduler`` (and the scheduler inside the embedded cloud):
the placement query, prefilters, filters, weighers, claims and its host
state cache.  ``max_attempts`` is also read by the cell conductor
(``nubes-conductor``), which reschedules a failed build at most that often.
"""
from __future__ import annotations

from oslo_config import cfg

SCHEDULER_OPTS = [
    cfg.IntOpt("max_placement_results", default=1000, min=1,
               help="Allocation candidates asked of placement per request "
                    "(left off for server groups and requested hosts, which "
                    "need every candidate)."),
    cfg.IntOpt("max_attempts", default=3, min=1,
               help="Destinations returned per instance: the claimed one plus "
                    "up to max_attempts - 1 unclaimed alternates from its cell."),
    cfg.ListOpt("enabled_prefilters", default=["availability_zone", "disabled_compute"],
                help="Prefilters, in order: they add constraints to the "
                     "placement query (availability_zone, disabled_compute)."),
    cfg.ListOpt("enabled_filters",
                default=["compute_up", "availability_zone", "image_properties",
                         "server_group_anti_affinity", "server_group_affinity"],
                help="Host filters, in order (compute_up, availability_zone, "
                     "image_properties, server_group_affinity, "
                     "server_group_anti_affinity)."),
    cfg.ListOpt("enabled_weighers", default=["ram", "cpu", "disk"],
                help="Weighers (ram, cpu, disk): each one's weights are "
                     "normalised to 0..1, multiplied and summed."),
    cfg.FloatOpt("ram_weight_multiplier", default=1.0,
                 help="Free RAM weight; negative stacks instead of spreading."),
    cfg.FloatOpt("cpu_weight_multiplier", default=1.0,
                 help="Free VCPU weight; negative stacks instead of spreading."),
    cfg.FloatOpt("disk_weight_multiplier", default=1.0,
                 help="Free disk weight; negative stacks instead of spreading."),
    cfg.IntOpt("host_subset_size", default=1, min=1,
               help="Pick at random among this many best-weighed hosts (more "
                    "than 1 spreads racing schedulers apart)."),
    cfg.BoolOpt("shuffle_best_same_weighed_hosts", default=False,
                help="Shuffle the hosts that share the best weight."),
    cfg.IntOpt("claim_retries", default=3, min=0,
               help="Retries of a claim on one host when placement reports a "
                    "resource provider generation race."),
    cfg.FloatOpt("host_state_cache_ttl", default=5.0, min=0.0,
                 help="Seconds compute node, service, host mapping and "
                      "aggregate rows are reused between scheduling requests "
                      "(0: read them for every request)."),
    cfg.FloatOpt("cell_timeout", default=30.0, min=0.1,
                 help="Seconds to wait for a cell database when loading hosts; "
                      "a cell that does not answer contributes no hosts."),
    cfg.IntOpt("workers", default=16, min=1,
               help="Scheduling requests served at once by one nubes-scheduler."),
]
