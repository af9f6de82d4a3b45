"""``[DEFAULT]`` service liveness and availability zone names (nova's).

The compute API's view of services and availability zones: read by the
compute API (``nubes-api``: services, hypervisors, availability zones,
server create), the scheduler (``nubes-scheduler``: the compute_up filter,
the availability zone prefilter and host states) and the super-conductor
(``nubes-conductor``, API level); ``reclaim_instance_interval`` also by
the compute hosts.
"""
from __future__ import annotations

from oslo_config import cfg

COMPUTE_OPTS = [
    cfg.IntOpt("service_down_time", default=60, min=1,
               help="Seconds since a service's last heartbeat after which it is "
                    "reported down."),
    cfg.StrOpt("default_availability_zone", default="nova",
               help="Availability zone of compute hosts in no aggregate that "
                    "names one."),
    cfg.StrOpt("internal_service_availability_zone", default="internal",
               help="Availability zone shown for services other than "
                    "nova-compute (conductors, schedulers)."),
    cfg.IntOpt("reclaim_instance_interval", default=0, min=0, max=10 * 365 * 86400,
               help="Seconds a deleted server stays SOFT_DELETED (restorable with "
                    "the restore action) before its host deletes it; 0 deletes "
                    "at once.  Read by the compute API (whether a delete is "
                    "soft) and by the compute hosts (the periodic reclaim)."),
    cfg.IntOpt("shelved_offload_time", default=0, min=-1, max=10 * 365 * 86400,
               help="Seconds a shelved server keeps its place on its host before "
                    "the host offloads it (destroys the guest and frees its "
                    "placement allocations): 0 offloads as part of the shelve, "
                    "-1 never.  Read by the compute hosts."),
    cfg.BoolOpt("allow_resize_to_same_host", default=False,
                help="A resize may pick the server's own host (read by the "
                     "super-conductor when it schedules the move)."),
    cfg.IntOpt("instance_task_timeout", default=3600, min=0, max=30 * 86400,
               help="Seconds a server may stay in one task (building, rebooting, "
                    "resizing, ...) without its record changing before its cell "
                    "conductor puts it in ERROR with a fault (a move whose first "
                    "cast was lost is rolled back instead); 0 never."),
    cfg.IntOpt("build_request_lease", default=300, min=5, max=86400,
               help="Seconds a super-conductor holds the build requests it is "
                    "turning into instances.  A build request whose lease ran out "
                    "(its super-conductor died) or that no super-conductor took "
                    "this long after the API accepted it (its cast was lost) is "
                    "taken over by a super-conductor's periodic check, which runs "
                    "every fifth of this (at most every minute).  Keep it well "
                    "above the longest scheduling call (rpc_response_timeout)."),
    cfg.IntOpt("graceful_shutdown_timeout", default=60, min=0, max=86400,
               help="Seconds an RPC service (conductor, scheduler, compute, volume "
                    "manager) gives the work under way to finish after SIGTERM or "
                    "SIGINT before it exits anyway (as oslo.service does); 0 waits "
                    "for it however long it takes.  Work cut short is taken up "
                    "again as after a crash (leases, start-up reconcile, the "
                    "stuck-task check)."),
    cfg.IntOpt("resize_confirm_window", default=0, min=0, max=10 * 365 * 86400,
               help="Seconds after which a resized or migrated server waiting in "
                    "VERIFY_RESIZE is confirmed by its new host; 0 never."),
]
